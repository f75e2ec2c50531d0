package org.cdcpipeline.csv;

import java.util.List;

/** The import of one CSV file into one table: what is known about the file and what has been done so far. */
public final class ImportJob {

    final String fileName;
    final SqlIdentifier table;
    final RejectsFile rejects;
    final long startedNanos = System.nanoTime();

    List<String> header;
    /** The rows read with the header, kept until the table is ready: they show the types of a new table. */
    List<CsvRow> firstRows;
    TableShape shape;
    IdSet ids;
    /** COPY straight into the table while it had no rows when the file started; an upsert otherwise. */
    volatile boolean directCopy;
    boolean batchesStarted;
    /** The pipeline stopped before the whole file was read. */
    volatile boolean stopped;
    long imported;
    long changed;
    long rejected;
    /** Logs the progress of a long file; null when the route does not follow it. */
    ImportProgress progress;
    /** The file as it is read; closed when the import ends. */
    CsvRecords records;

    ImportJob(String fileName, SqlIdentifier table, RejectsFile rejects) {
        this.fileName = fileName;
        this.table = table;
        this.rejects = rejects;
    }

    public String table() {
        return table.name();
    }

    public long imported() {
        return imported;
    }

    public long rejected() {
        return rejected;
    }
}
