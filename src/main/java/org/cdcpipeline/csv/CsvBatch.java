package org.cdcpipeline.csv;

import java.util.List;

/**
 * A group of consecutive CSV records written in one transaction. It is checked once: when a batch is retried after
 * PostgreSQL was unreachable, the same rows are accepted and rejected again without being seen as duplicates.
 */
public final class CsvBatch {

    /** Rows that passed the checks, normalized for COPY and aligned with the header, with their line numbers. */
    record Accepted(List<String[]> values, List<CsvRow> rows) {
    }

    private final List<CsvRow> rows;
    private Accepted accepted;
    private List<Reject> rejects;

    CsvBatch(List<CsvRow> rows) {
        this.rows = rows;
    }

    List<CsvRow> rows() {
        return rows;
    }

    boolean isChecked() {
        return accepted != null;
    }

    void checked(Accepted accepted, List<Reject> rejects) {
        this.accepted = accepted;
        this.rejects = rejects;
    }

    Accepted accepted() {
        return accepted;
    }

    List<Reject> rejects() {
        return rejects;
    }

    public int size() {
        return rows.size();
    }
}
