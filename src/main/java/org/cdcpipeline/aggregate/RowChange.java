package org.cdcpipeline.aggregate;

import java.math.BigDecimal;
import java.util.List;

/**
 * What one change event means for an aggregate: the source row (by primary key) now belongs to {@code group} with
 * {@code value}, or is gone. The Kafka position orders two changes of the same row: the later one wins.
 *
 * @param rowKey     the row's primary key, as the JSON of the event key's payload; null for a record that went to the
 *                   dead-letter topic, which changes no row but whose offset the batch covers
 * @param group      the group column's value as text; null when the column is null (SQL's NULL group)
 * @param value      the value column's value; null for count aggregates or a null value
 * @param deleted    the row was deleted
 * @param created    the change inserted the row (or read it in the initial snapshot): its state most likely does not
 *                   exist yet
 * @param sourceTsMs the change's commit time in PostgreSQL; 0 for a tombstone
 * @param lsn        the change's WAL position; null for a tombstone
 */
public record RowChange(String rowKey, String group, BigDecimal value, boolean deleted, boolean created, String topic,
                        int partition, long offset, long sourceTsMs, Long lsn) {

    /**
     * A record that went to the dead-letter topic, as a run of one change: it joins the batch of the changes read
     * before it, so the offset saved with the state passes it only once those are applied too.
     */
    public static List<RowChange> deadLettered(String topic, int partition, long offset) {
        return List.of(new RowChange(null, null, null, false, false, topic, partition, offset, 0, null));
    }

    /** False for a record that went to the dead-letter topic. */
    public boolean changesARow() {
        return rowKey != null;
    }
}
