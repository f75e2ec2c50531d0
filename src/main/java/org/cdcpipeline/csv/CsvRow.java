package org.cdcpipeline.csv;

/** One record of a CSV file: the line it starts on and its fields as read. */
public record CsvRow(long line, String[] values) {
}
