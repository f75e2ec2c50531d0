package org.cdcpipeline.archive;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * The changes of one topic-partition that go into one Parquet object, in offset order. The object is named
 * {@code raw-kafka-data/table=<table>/date=<yyyy-MM-dd>/<topic>-<partition>-<firstOffset>-<lastOffset>.parquet}, the
 * date being the commit date (UTC) of the batch's first change, so a batch that spans midnight stays one object under
 * the first change's date.
 */
public final class ArchiveBatch {

    public static final String PREFIX = "raw-kafka-data/";

    private final List<ArchivedChange> changes = new ArrayList<>();

    public void add(ArchivedChange change) {
        changes.add(change);
    }

    public List<ArchivedChange> changes() {
        return changes;
    }

    public int size() {
        return changes.size();
    }

    public ArchivedChange first() {
        return changes.get(0);
    }

    public ArchivedChange last() {
        return changes.get(changes.size() - 1);
    }

    public String table() {
        return first().table();
    }

    public String objectKey() {
        ArchivedChange first = first();
        LocalDate date = LocalDate.ofInstant(Instant.ofEpochMilli(first.sourceTsMs()), ZoneOffset.UTC);
        return PREFIX + "table=" + first.table() + "/date=" + date + "/" + first.topic() + "-" + first.partition() + "-"
                + first.offset() + "-" + last().offset() + ".parquet";
    }

    /**
     * The rows as Avro records of one schema: every column any change of the batch has (a column added mid-batch is
     * null in the earlier rows), all nullable, then the metadata columns.
     */
    public List<GenericRecord> records() {
        Map<String, Schema> columns = new LinkedHashMap<>();
        for (ArchivedChange change : changes) {
            for (ArchivedChange.Column column : change.columns()) {
                columns.putIfAbsent(column.name(), column.type());
            }
        }
        Schema schema = schema(first().table(), columns);
        List<GenericRecord> records = new ArrayList<>(changes.size());
        for (ArchivedChange change : changes) {
            GenericData.Record record = new GenericData.Record(schema);
            List<ArchivedChange.Column> own = change.columns();
            for (int i = 0; i < own.size(); i++) {
                record.put(fieldName(own.get(i).name()), change.values()[i]);
            }
            record.put("__op", change.op());
            record.put("__lsn", change.lsn());
            record.put("__tx_id", change.txId());
            record.put("__source_ts_ms", change.sourceTsMs());
            record.put("__deleted", change.deleted());
            record.put("__kafka_partition", change.partition());
            record.put("__kafka_offset", change.offset());
            record.put("__key", change.key());
            records.add(record);
        }
        return records;
    }

    static Schema schema(String table, Map<String, Schema> columns) {
        SchemaBuilder.FieldAssembler<Schema> fields = SchemaBuilder.record(fieldName(table))
                .namespace("org.cdcpipeline.archive").fields();
        for (Map.Entry<String, Schema> column : columns.entrySet()) {
            fields = fields.name(fieldName(column.getKey())).type(Schema.createUnion(Schema.create(Schema.Type.NULL),
                    column.getValue())).withDefault(null);
        }
        return fields.requiredString("__op")
                .requiredLong("__lsn")
                .optionalLong("__tx_id")
                .requiredLong("__source_ts_ms")
                .requiredBoolean("__deleted")
                .requiredInt("__kafka_partition")
                .requiredLong("__kafka_offset")
                .requiredString("__key")
                .endRecord();
    }

    /** Avro names allow [A-Za-z_][A-Za-z0-9_]*; PostgreSQL identifiers may hold more. */
    static String fieldName(String name) {
        String cleaned = name.replaceAll("[^A-Za-z0-9_]", "_");
        return cleaned.isEmpty() || Character.isDigit(cleaned.charAt(0)) ? "_" + cleaned : cleaned;
    }
}
