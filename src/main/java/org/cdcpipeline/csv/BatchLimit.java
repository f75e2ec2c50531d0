package org.cdcpipeline.csv;

/**
 * Where a batch is cut: at csv.batch-size rows, or earlier at so many fields or characters, so the few batches in
 * memory stay small however wide or long the rows are.
 */
record BatchLimit(int rows) {

    private static final long MAX_FIELDS = 250_000;
    private static final long MAX_CHARS = 8_000_000;

    /** Whether a batch of so many rows, fields and characters takes no further row. */
    boolean reached(int batchRows, long fields, long chars) {
        return batchRows >= rows || fields >= MAX_FIELDS || chars >= MAX_CHARS;
    }
}
