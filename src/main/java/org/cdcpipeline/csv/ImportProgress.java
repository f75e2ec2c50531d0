package org.cdcpipeline.csv;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.function.LongSupplier;

import org.apache.commons.io.input.BoundedInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Progress of a long CSV import, logged at most every csv.progress-interval-ms: rows done, rows per second, and how
 * much of the file has been read (bytes read from the file against its size).
 */
public final class ImportProgress {

    private static final Logger LOG = LoggerFactory.getLogger(ImportProgress.class);

    private final String fileName;
    private final long fileBytes;
    private final LongSupplier bytesRead;
    private final long intervalNanos;
    private final long startNanos;
    private long lastLogNanos;

    ImportProgress(String fileName, long fileBytes, LongSupplier bytesRead, long intervalMillis, long startNanos) {
        this.fileName = fileName;
        this.fileBytes = fileBytes;
        this.bytesRead = bytesRead;
        this.intervalNanos = intervalMillis * 1_000_000;
        this.startNanos = startNanos;
        this.lastLogNanos = startNanos;
    }

    /** Follows the bytes the import reads from {@code file}; the returned stream is what the CSV parser reads. */
    static InputStream follow(InputStream file, long fileBytes, long intervalMillis, ImportTally tally) {
        String fileName = tally.file().name();
        try {
            BoundedInputStream counted = BoundedInputStream.builder().setInputStream(file).get();
            tally.follow(new ImportProgress(fileName, fileBytes, counted::getCount, intervalMillis, System.nanoTime()));
            return counted;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + fileName, e);
        }
    }

    /** Logs the progress line when the interval has passed since the last one. */
    synchronized void rowsDone(long rows, long nowNanos) {
        if (nowNanos - lastLogNanos < intervalNanos) {
            return;
        }
        lastLogNanos = nowNanos;
        LOG.info(line(fileName, rows, nowNanos - startNanos, bytesRead.getAsLong(), fileBytes));
    }

    /** {@code Importing klienci.csv: 2,400,000 rows, 310,000 rows/s, 42% of file}. */
    static String line(String fileName, long rows, long elapsedNanos, long bytesRead, long fileBytes) {
        long perSecond = elapsedNanos <= 0 ? 0 : Math.round(rows * 1e9 / elapsedNanos);
        String share = fileBytes <= 0 ? "" : String.format(Locale.ROOT, ", %d%% of file",
                Math.min(100, bytesRead * 100 / fileBytes));
        return String.format(Locale.ROOT, "Importing %s: %,d rows, %,d rows/s%s", fileName, rows, perSecond, share);
    }
}
