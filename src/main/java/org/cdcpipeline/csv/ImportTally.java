package org.cdcpipeline.csv;

import java.nio.file.Path;
import java.util.List;

/**
 * What the import of one file has done so far: rows imported, changed and rejected (the rejects go to the file's
 * rejects file), whether the pipeline stopped it, and how long it took. The batches of a file are written
 * concurrently, so each counts here under one lock.
 */
public final class ImportTally {

    private final CsvFile file;
    private final RejectsFile rejects;
    private final ImportStats stats;
    private final long startedNanos = System.nanoTime();
    /** Logs the progress of a long file; null until the file is read. */
    private volatile ImportProgress progress;
    private volatile boolean stopped;
    private long imported;
    private long changed;
    private long rejected;

    ImportTally(CsvFile file, RejectsFile rejects, ImportStats stats) {
        this.file = file;
        this.rejects = rejects;
        this.stats = stats;
    }

    CsvFile file() {
        return file;
    }

    void follow(ImportProgress progress) {
        this.progress = progress;
    }

    /** A batch is committed: its counts, and its rejects written to the rejects file. */
    synchronized void batchWritten(long importedRows, long changedRows, List<Reject> batchRejects) {
        imported += importedRows;
        changed += changedRows;
        rejected += batchRejects.size();
        rejects.append(batchRejects);
        stats.batchWritten(importedRows);
        ImportProgress p = progress;
        if (p != null) {
            p.rowsDone(imported + rejected, System.nanoTime());
        }
    }

    /** The pipeline stopped before the whole file was read. */
    void stopped() {
        stopped = true;
    }

    boolean isStopped() {
        return stopped;
    }

    /** The rows so far, read together: the writers of the file's batches may be counting meanwhile. */
    synchronized Rows rows() {
        return new Rows(imported, changed, rejected);
    }

    record Rows(long imported, long changed, long rejected) {
    }

    Path rejectsPath() {
        return rejects.path();
    }

    long millis() {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }
}
