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
 * The changes of one topic-partition that go into one Parquet object, in offset order. The archive-write route names
 * the object {@code raw-kafka-data/table=<table>/date=<yyyy-MM-dd>/<topic>-<partition>-<firstOffset>-<lastOffset>.parquet}
 * from the batch's fields ({@link ArchiveCoverage} reads the offsets back from that name): the offsets it accounts for (from the one after the previous batch's last change, so records that carry no change count
 * as covered, to its last change), the date being the commit date (UTC) of the batch's first change, so a batch that
 * spans midnight stays one object under the first change's date.
 */
public final class ArchiveBatch {

    public static final String PREFIX = "raw-kafka-data/";

    /** Source columns may not take the metadata columns' names: they are stored with this prefix. */
    static final String METADATA_PREFIX = "__";

    private final List<ArchivedChange> changes = new ArrayList<>();
    private final List<AdmittedChange> admitted = new ArrayList<>();
    private final long begunNanos = System.nanoTime();

    public void add(AdmittedChange change) {
        admitted.add(change);
        changes.add(change.change());
    }

    /** Appends the changes of a later run of the same batch key. */
    public void addAll(ArchiveBatch later) {
        admitted.addAll(later.admitted);
        changes.addAll(later.changes);
    }

    /** Milliseconds since the batch began (its first run was read). */
    public long ageMs() {
        return (System.nanoTime() - begunNanos) / 1_000_000;
    }

    /** The batch key of its changes: {@code <topic>-<partition>-<epoch>-<segment>}. */
    public String batchKey() {
        return admitted.get(0).batchKey();
    }

    /** The changes as admitted, with the records they came from. */
    public List<AdmittedChange> admitted() {
        return admitted;
    }

    /** The first offset the batch accounts for. */
    public long firstOffset() {
        return admitted.get(0).coverFrom();
    }

    public long lastOffset() {
        return last().offset();
    }

    public int epoch() {
        return admitted.get(0).epoch();
    }

    public org.apache.kafka.common.TopicPartition topicPartition() {
        return new org.apache.kafka.common.TopicPartition(first().topic(), first().partition());
    }

    /**
     * A table name as one part of an object key: letters, digits and {@code _} as they are, every other character as
     * {@code %XX} of its UTF-8 bytes, so no name (with {@code /}, {@code ..}, {@code =}) can leave its folder or look
     * like another; the same when written and when listed again.
     */
    public static String tableKey(String table) {
        StringBuilder key = new StringBuilder(table.length());
        for (byte b : table.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') {
                key.append(c);
            } else {
                key.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return key.toString();
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

    /** The table, as its topic names it. */
    public String table() {
        return ChangeEventParser.tableOf(first().topic());
    }

    public String topic() {
        return first().topic();
    }

    public int partition() {
        return first().partition();
    }

    /** The table as its object keys name it ({@link #tableKey(String)}). */
    public String tableInKey() {
        return tableKey(table());
    }

    /** The commit date (UTC) of the batch's first change: the date its object is filed under. */
    public LocalDate date() {
        return LocalDate.ofInstant(Instant.ofEpochMilli(first().sourceTsMs()), ZoneOffset.UTC);
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
        Map<String, String> fields = fieldNames(columns.keySet());
        Schema schema = schema(first().table(), columns, fields);
        List<GenericRecord> records = new ArrayList<>(changes.size());
        for (ArchivedChange change : changes) {
            GenericData.Record record = new GenericData.Record(schema);
            List<ArchivedChange.Column> own = change.columns();
            for (int i = 0; i < own.size(); i++) {
                record.put(fields.get(own.get(i).name()), change.values()[i]);
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

    static Schema schema(String table, Map<String, Schema> columns, Map<String, String> fieldNames) {
        SchemaBuilder.FieldAssembler<Schema> fields = SchemaBuilder.record(avroName(table))
                .namespace("org.cdcpipeline.archive").fields();
        for (Map.Entry<String, Schema> column : columns.entrySet()) {
            fields = fields.name(fieldNames.get(column.getKey())).type(Schema.createUnion(Schema.create(Schema.Type.NULL),
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

    /**
     * The Parquet column of each source column: its name where Avro allows it ({@code [A-Za-z_][A-Za-z0-9_]*}), other
     * characters as {@code _}; a name beginning with {@code __}, the metadata columns' prefix, gets {@code src} before
     * it ({@code __op} becomes {@code src__op}); a name taken already gets {@code _2}, {@code _3}...
     */
    public static Map<String, String> fieldNames(Iterable<String> columns) {
        Map<String, String> names = new LinkedHashMap<>();
        java.util.Set<String> taken = new java.util.HashSet<>();
        for (String column : columns) {
            String name = avroName(column);
            if (name.startsWith(METADATA_PREFIX)) {
                name = "src" + name;
            }
            String unique = name;
            for (int n = 2; !taken.add(unique); n++) {
                unique = name + "_" + n;
            }
            names.put(column, unique);
        }
        return names;
    }

    /** Avro names allow [A-Za-z_][A-Za-z0-9_]*; PostgreSQL identifiers may hold more. */
    static String avroName(String name) {
        String cleaned = name.replaceAll("[^A-Za-z0-9_]", "_");
        return cleaned.isEmpty() || Character.isDigit(cleaned.charAt(0)) ? "_" + cleaned : cleaned;
    }
}
