package org.cdcpipeline.aggregate;

import java.util.ArrayList;
import java.util.List;

import org.apache.avro.reflect.AvroSchema;
import org.apache.avro.reflect.Nullable;

/**
 * One row of an aggregate's Parquet snapshot: a group, its value, how many source rows it has, and the commit time and
 * LSN of the latest change the snapshot includes. The Parquet schema is derived from this class, so even an aggregate
 * with no group is written as a file with its columns.
 */
public final class SnapshotRow {

    @Nullable
    public String group_key;
    @Nullable
    public Double value;
    public long row_count;
    @AvroSchema("{\"type\": \"long\", \"logicalType\": \"timestamp-millis\"}")
    public long as_of_commit_time;
    @Nullable
    public Long as_of_lsn;

    public static List<SnapshotRow> of(AggregateSnapshot snapshot) {
        List<SnapshotRow> rows = new ArrayList<>(snapshot.groups().size());
        for (AggregateSnapshot.Group g : snapshot.groups()) {
            SnapshotRow r = new SnapshotRow();
            r.group_key = g.group();
            r.value = g.value() == null ? null : g.value().doubleValue();
            r.row_count = g.rows();
            r.as_of_commit_time = snapshot.asOfTsMs();
            r.as_of_lsn = snapshot.asOfLsn();
            rows.add(r);
        }
        return rows;
    }

    /** The object key of a snapshot in the history: ordered by the commit time of the latest change it includes. */
    public static String historyKey(String prefix, AggregateSnapshot snapshot) {
        return String.format("%s%s/history/%013d-%s.parquet", prefix, snapshot.aggregate(), snapshot.asOfTsMs(),
                snapshot.asOfLsn() == null ? "0" : snapshot.asOfLsn().toString());
    }

    /** The object key readers use: always the complete latest snapshot, replaced in one put. */
    public static String currentKey(String prefix, AggregateSnapshot snapshot) {
        return prefix + snapshot.aggregate() + "/current.parquet";
    }
}
