package org.cdcpipeline.csv;

/**
 * One record of a CSV file: the line it starts on and its fields as read; or, when {@code problem} is set, a line the
 * parser could not read as a record (its fields are what could be read of it, maybe none).
 */
public record CsvRow(long line, String[] values, String problem) {

    CsvRow(long line, String[] values) {
        this(line, values, null);
    }
}
