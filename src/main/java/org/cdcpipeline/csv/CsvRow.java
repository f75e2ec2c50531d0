package org.cdcpipeline.csv;

import org.apache.commons.csv.CSVFormat;

/**
 * One record of a CSV file: the line it starts on and its fields as read; or, when {@code problem} is set, a line the
 * parser could not read as a record (its fields are what could be read of it, maybe none).
 */
public record CsvRow(long line, String[] values, String problem) {

    private static final CSVFormat RAW_FORMAT = CSVFormat.DEFAULT.builder().setRecordSeparator('\n').get();

    CsvRow(long line, String[] values) {
        this(line, values, null);
    }

    /** The record written back as CSV, for the rejects file. */
    String raw() {
        return RAW_FORMAT.format((Object[]) values);
    }

    /** Characters in its fields, to bound the size of a batch. */
    long chars() {
        long chars = 0;
        for (String value : values) {
            chars += value.length();
        }
        return chars;
    }
}
