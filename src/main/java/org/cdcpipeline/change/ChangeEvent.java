package org.cdcpipeline.change;

/**
 * One decoded change event: the operation, where and when it happened in PostgreSQL (the source block), and its row
 * images with their schemas.
 *
 * @param op         c, u, d or r (snapshot read); null when the payload has no textual op (no change event)
 * @param sourceTsMs the commit time in PostgreSQL, null when the source block has none
 * @param lsn        the change's WAL position, null when the source block has none
 * @param txId       the transaction's id, null when the source block has none
 * @param table      the table the source block names, null when it names none
 * @param before     the row before the change, with no columns where the event has none
 * @param after      the row as the change left it, likewise
 */
public record ChangeEvent(String op, Long sourceTsMs, Long lsn, Long txId, String table, RowImage before,
        RowImage after) {

    public boolean deleted() {
        return "d".equals(op);
    }

    /** The change brought the row into being: an insert, or a read of the initial snapshot. */
    public boolean created() {
        return "c".equals(op) || "r".equals(op);
    }

    /** The row the change is about: the after-image, or the before-image of a delete. */
    public RowImage row() {
        return deleted() ? before : after;
    }
}
