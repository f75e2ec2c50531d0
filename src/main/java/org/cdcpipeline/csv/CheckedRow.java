package org.cdcpipeline.csv;

/**
 * A CSV row after its checks: either its values to write, normalized for COPY and aligned with the header, or, when
 * {@code reason} is set, why it is rejected.
 */
record CheckedRow(CsvRow row, String[] values, String reason) {

    boolean accepted() {
        return reason == null;
    }

    Reject reject() {
        return new Reject(row.line(), reason, row.raw());
    }
}
