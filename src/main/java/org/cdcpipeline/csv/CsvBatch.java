package org.cdcpipeline.csv;

import java.util.List;

/** A group of consecutive CSV records, checked: the rows to write in one transaction, and the rejects. */
public final class CsvBatch {

    /** Rows that passed the checks, normalized for COPY and aligned with the header, with their source records. */
    record Accepted(List<String[]> values, List<CsvRow> rows) {
    }

    private final Accepted accepted;
    private final List<Reject> rejects;

    CsvBatch(Accepted accepted, List<Reject> rejects) {
        this.accepted = accepted;
        this.rejects = rejects;
    }

    Accepted accepted() {
        return accepted;
    }

    List<Reject> rejects() {
        return rejects;
    }
}
