package org.cdcpipeline.aggregate;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.camel.dataformat.parquet.avro.ParquetOutputStream;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.cdcpipeline.archive.ArchiveBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An aggregate snapshot as one Parquet file a dashboard reads as is: the group column named and typed after the
 * source column ({@code kraj} text, a date as date), the value column named after the function and its column
 * ({@code count} long, {@code avg_wiek} double, {@code sum_budzet} decimal), then {@code __rows},
 * {@code __as_of_commit_time} and {@code __as_of_lsn}; one row per group, in the group's order (numbers and dates as
 * such, NULL last). Even an aggregate with no group is written as a file with its columns.
 */
public final class SnapshotParquet {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotParquet.class);

    private SnapshotParquet() {
    }

    /** The snapshot as the bytes of a snappy-compressed Parquet file. */
    public static byte[] write(AggregateSnapshot snapshot) throws IOException {
        return snapshot.columns().function() == AggregateFunction.QUALITY ? quality(snapshot) : groups(snapshot);
    }

    private static byte[] groups(AggregateSnapshot snapshot) throws IOException {
        AggregateSnapshot.Columns columns = snapshot.columns();
        ColumnType groupType = readable(snapshot, columns.groupType());
        List<Object[]> rows = new ArrayList<>(snapshot.groups().size());
        for (AggregateSnapshot.Group g : snapshot.groups()) {
            rows.add(new Object[] {groupType.parse(g.group()), columns.valueType().of(g.value()), g.rows()});
        }
        rows.sort(Comparator.comparing(r -> (Comparable<Object>) r[0], Comparator.nullsLast(Comparator.naturalOrder())));

        Map<String, String> names = ArchiveBatch.fieldNames(List.of(columns.group(), columns.value()));
        String group = names.get(columns.group());
        String value = names.get(columns.value());
        Schema schema = asOf(SchemaBuilder.record("snapshot").namespace("org.cdcpipeline.aggregate").fields()
                .name(group).type(nullable(groupType.avro())).withDefault(null)
                .name(value).type(nullable(columns.valueType().avro())).withDefault(null)
                .requiredLong("__rows"));
        List<GenericRecord> records = new ArrayList<>(rows.size());
        for (Object[] row : rows) {
            GenericData.Record record = new GenericData.Record(schema);
            record.put(group, groupType.avroValue((Comparable<?>) row[0]));
            record.put(value, columns.valueType().avroValue((Comparable<?>) row[1]));
            record.put("__rows", row[2]);
            records.add(asOf(record, snapshot));
        }
        return parquet(snapshot, schema, records);
    }

    /**
     * A quality snapshot: one row per column of the table, in the table's order: {@code column}, {@code rows},
     * {@code nulls} and {@code empty} (null for a column that is not text).
     */
    private static byte[] quality(AggregateSnapshot snapshot) throws IOException {
        Schema schema = asOf(SchemaBuilder.record("quality").namespace("org.cdcpipeline.aggregate").fields()
                .requiredString("column").requiredLong("rows").requiredLong("nulls").optionalLong("empty"));
        List<GenericRecord> records = new ArrayList<>();
        QualityFigures.of(snapshot).forEach((column, figures) -> {
            GenericData.Record record = new GenericData.Record(schema);
            record.put("column", column);
            record.put("rows", figures.rows());
            record.put("nulls", figures.nulls());
            record.put("empty", figures.empty());
            records.add(asOf(record, snapshot));
        });
        return parquet(snapshot, schema, records);
    }

    static Schema asOf(SchemaBuilder.FieldAssembler<Schema> fields) {
        return fields.name("__as_of_commit_time").type(LogicalTypes.timestampMillis()
                        .addToSchema(Schema.create(Schema.Type.LONG))).noDefault()
                .optionalLong("__as_of_lsn")
                .endRecord();
    }

    private static GenericRecord asOf(GenericData.Record record, AggregateSnapshot snapshot) {
        record.put("__as_of_commit_time", snapshot.asOfTsMs());
        record.put("__as_of_lsn", snapshot.asOfLsn());
        return record;
    }

    private static byte[] parquet(AggregateSnapshot snapshot, Schema schema, List<GenericRecord> records) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ParquetWriter<GenericRecord> writer = writer(snapshot.aggregate(), schema, bytes)) {
            for (GenericRecord record : records) {
                writer.write(record);
            }
        }
        return bytes.toByteArray();
    }

    /** A snappy-compressed Parquet file of {@code schema}'s records, written to {@code out} when closed. */
    static ParquetWriter<GenericRecord> writer(String name, Schema schema, OutputStream out) throws IOException {
        return AvroParquetWriter.<GenericRecord>builder(new ParquetOutputStream(name, new BufferedOutputStream(out)))
                .withSchema(schema)
                .withDataModel(GenericData.get())
                .withCompressionCodec(CompressionCodecName.SNAPPY)
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .build();
    }

    /**
     * The group column's type, or text when a group does not read as it: the source column's type changed, or the
     * state holds groups of an earlier definition; the snapshot is still written, whole.
     */
    private static ColumnType readable(AggregateSnapshot snapshot, ColumnType type) {
        for (AggregateSnapshot.Group g : snapshot.groups()) {
            try {
                type.parse(g.group());
            } catch (IllegalArgumentException e) {
                LOG.warn("Aggregate {}: group column {} is written as text: {}", snapshot.aggregate(),
                        snapshot.columns().group(), e.getMessage());
                return ColumnType.TEXT;
            }
        }
        return type;
    }

    static Schema nullable(Schema type) {
        return Schema.createUnion(Schema.create(Schema.Type.NULL), type);
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
