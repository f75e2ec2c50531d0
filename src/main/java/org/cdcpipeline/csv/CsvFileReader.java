package org.cdcpipeline.csv;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;

/**
 * Reads a CSV file as records, lazily: decoded strictly in csv.charset, each at most csv.max-record-chars long, with
 * their line numbers; the bytes read are counted for the progress lines of a long file.
 */
public final class CsvFileReader {

    private final Charset charset;
    private final long maxRecordChars;
    private long progressIntervalMillis = 10_000;

    public CsvFileReader(Charset charset, long maxRecordChars) {
        this.charset = charset;
        this.maxRecordChars = maxRecordChars;
    }

    /** How often a long import logs its progress (csv.progress-interval-ms). */
    public void setProgressIntervalMillis(long millis) {
        this.progressIntervalMillis = millis;
    }

    /** The records of the file; its progress is logged as the tally counts the rows done. */
    public CsvRecords read(InputStream file, long fileBytes, ImportTally tally) {
        return new CsvRecords(tally.file().name(), ImportProgress.follow(file, fileBytes, progressIntervalMillis, tally),
                charset, maxRecordChars);
    }

    /** Closes the file, however its import ended. */
    public void close(CsvRecords records) throws IOException {
        if (records != null) {
            records.close();
        }
    }
}
