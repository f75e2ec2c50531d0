package org.cdcpipeline.archive;

import java.util.List;

import org.apache.avro.Schema;

/**
 * One change event as the archive stores it: where it came from in Kafka, the change's metadata, and the row's values
 * (the after-image, or the before-image of a delete) already converted to Avro values of {@code columns}.
 */
public record ArchivedChange(String topic, int partition, long offset, String table, String key, String op, long lsn,
                             Long txId, long sourceTsMs, List<Column> columns, Object[] values) {

    /** A column of the row: its name and its (non-null) Avro type. */
    public record Column(String name, Schema type) {
    }

    public boolean deleted() {
        return "d".equals(op);
    }

    /** Identifies the change among its partition's (one table's) changes across replays of capture: key and LSN. */
    public String identity() {
        return key + '|' + lsn;
    }
}
