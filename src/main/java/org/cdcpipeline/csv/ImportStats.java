package org.cdcpipeline.csv;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.cdcpipeline.RunReport;

/**
 * What the CSV import did in this run, per table, and whether files are still waiting in the CSV folder or being
 * imported.
 */
public final class ImportStats implements RunReport {

    /** What the import did for one table: files, rows imported, rows changed, rows rejected, time spent. */
    public record Counts(long files, long imported, long changed, long rejected, long millis) {
        Counts plus(Counts other) {
            return new Counts(files + other.files, imported + other.imported, changed + other.changed,
                    rejected + other.rejected, millis + other.millis);
        }
    }

    private final Map<String, Counts> tables = new TreeMap<>();
    /** Rows written by every import of this run, counted per committed batch: files still being imported too. */
    private final LongAdder rowsWritten = new LongAdder();
    private final List<String> refused = new ArrayList<>();
    private final Path csvDir;
    private final Pattern pending;

    /** @param pendingPattern the file names the csv-import route picks up */
    public ImportStats(Path csvDir, String pendingPattern) {
        this.csvDir = csvDir;
        this.pending = Pattern.compile(pendingPattern);
    }

    synchronized void imported(String table, long imported, long changed, long rejected, long millis) {
        tables.merge(table, new Counts(1, imported, changed, rejected, millis), Counts::plus);
    }

    void batchWritten(long rows) {
        rowsWritten.add(rows);
    }

    /**
     * Rows the imports of this run have written so far, as their batches commit (a file is counted while it is
     * imported; a batch written again after an interruption counts again).
     */
    public long rowsWritten() {
        return rowsWritten.sum();
    }

    synchronized void refused(String fileName) {
        refused.add(fileName);
    }

    /** Per table, what the files completed in this run did. */
    public synchronized Map<String, Counts> tables() {
        return Map.copyOf(tables);
    }

    /** Time spent importing files into the table, from pick-up to the last commit. */
    public synchronized long importMillis(String table) {
        Counts c = tables.get(table);
        return c == null ? 0 : c.millis();
    }

    @Override
    public boolean drained() {
        // a file in .inprogress is being imported, or its import was interrupted and is done again
        return noneWaiting(csvDir) && noneWaiting(csvDir.resolve(CsvReadLock.IN_PROGRESS));
    }

    private boolean noneWaiting(Path dir) {
        if (!Files.isDirectory(dir)) {
            return true;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.noneMatch(f -> Files.isRegularFile(f) && pending.matcher(f.getFileName().toString()).matches());
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public synchronized List<String> summary() {
        List<String> lines = new ArrayList<>();
        lines.add(String.format("CSV import (%s)", csvDir));
        lines.add(String.format("  %-24s %6s %10s %10s %10s", "table", "files", "imported", "changed", "rejected"));
        tables.forEach((table, c) -> lines.add(String.format("  %-24s %6d %10d %10d %10d", table, c.files(), c.imported(),
                c.changed(), c.rejected())));
        if (tables.isEmpty()) {
            lines.add("  (no files)");
        }
        if (!refused.isEmpty()) {
            lines.add("  refused, moved to " + csvDir.resolve(".error") + ": " + String.join(", ", refused));
        }
        return lines;
    }

    @Override
    public synchronized int exitCode() {
        return refused.isEmpty() ? 0 : 2;
    }
}
