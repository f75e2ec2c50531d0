package org.cdcpipeline.csv;

/** A CSV record that was not imported, with its line number, the reason and the record as read. */
public record Reject(long line, String reason, String raw) {
}
