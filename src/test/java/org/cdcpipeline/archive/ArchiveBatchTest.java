package org.cdcpipeline.archive;

import java.util.List;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ArchiveBatchTest {

    private static final ArchivedChange.Column ID = new ArchivedChange.Column("id", Schema.create(Schema.Type.INT));
    private static final ArchivedChange.Column NOTE = new ArchivedChange.Column("uwagi", Schema.create(Schema.Type.STRING));

    @Test
    void shouldNameTheObjectAfterTableFirstCommitDateTopicPartitionAndOffsets() {
        ArchiveBatch batch = new ArchiveBatch();
        // 2025-03-14T23:59:59Z, then a change after midnight: the batch keeps the first change's date
        batch.add(change(10, 1741996799000L, List.of(ID), 1));
        batch.add(change(11, 1741996801000L, List.of(ID), 2));
        assertThat(batch.objectKey()).isEqualTo("raw-kafka-data/table=klienci/date=2025-03-14/p.s.klienci-3-10-11.parquet");
    }

    @Test
    void shouldGiveEveryRowTheColumnsOfTheWholeBatchWhenAColumnIsAddedMidBatch() {
        ArchiveBatch batch = new ArchiveBatch();
        batch.add(change(1, 0, List.of(ID), 1));
        batch.add(change(2, 0, List.of(ID, NOTE), 2, "nowa"));
        List<GenericRecord> rows = batch.records();
        assertThat(rows.get(0).getSchema()).isSameAs(rows.get(1).getSchema());
        assertThat(rows.get(0).get("uwagi")).isNull();
        assertThat(rows.get(1).get("uwagi")).isEqualTo("nowa");
        assertThat(rows.get(1).get("__kafka_offset")).isEqualTo(2L);
        assertThat(rows.get(1).get("__kafka_partition")).isEqualTo(3);
        assertThat(rows.get(1).get("__deleted")).isEqualTo(false);
        assertThat(rows.get(0).getSchema().getFields().stream().map(Schema.Field::name).toList()).containsExactly("id", "uwagi",
                "__op", "__lsn", "__tx_id", "__source_ts_ms", "__deleted", "__kafka_partition", "__kafka_offset", "__key");
    }

    static ArchivedChange change(long offset, long tsMs, List<ArchivedChange.Column> columns, Object... values) {
        return new ArchivedChange("p.s.klienci", 3, offset, "klienci", "{\"id\":" + values[0] + "}", "c", 100 + offset, 5L,
                tsMs, columns, values);
    }
}
