package org.cdcpipeline.change;

/**
 * One decoded change event: the operation, where and when it happened in PostgreSQL (the source block), and its row
 * images with their schemas.
 */
public final class ChangeEvent {

    private final String op;
    private final Long sourceTsMs;
    private final Long lsn;
    private final Long txId;
    private final String table;
    private final RowImage before;
    private final RowImage after;

    /**
     * @param before the row before the change, with no columns where the event has none
     * @param after  the row after the change, likewise
     */
    ChangeEvent(String op, Long sourceTsMs, Long lsn, Long txId, String table, RowImage before, RowImage after) {
        this.op = op;
        this.sourceTsMs = sourceTsMs;
        this.lsn = lsn;
        this.txId = txId;
        this.table = table;
        this.before = before;
        this.after = after;
    }

    /** c, u, d or r (snapshot read); null when the payload has no textual op (no change event). */
    public String op() {
        return op;
    }

    public boolean deleted() {
        return "d".equals(op);
    }

    /** The commit time in PostgreSQL, null when the source block has none. */
    public Long sourceTsMs() {
        return sourceTsMs;
    }

    /** The change's WAL position, null when the source block has none. */
    public Long lsn() {
        return lsn;
    }

    public Long txId() {
        return txId;
    }

    /** The table the source block names, null when it names none. */
    public String table() {
        return table;
    }

    /** The row as the change left it. */
    public RowImage after() {
        return after;
    }

    /** The row the change is about: the after-image, or the before-image of a delete. */
    public RowImage row() {
        return deleted() ? before : after;
    }
}
