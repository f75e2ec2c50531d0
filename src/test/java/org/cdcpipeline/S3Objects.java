package org.cdcpipeline;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.camel.dataformat.parquet.avro.ParquetInputStream;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.cdcpipeline.archive.ChangeEventParser;
import org.cdcpipeline.archive.S3ArchiveObjects;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

/** Reads the shared test S3 server as any S3 client would, and Parquet objects as any Parquet reader would. */
public final class S3Objects {

    private S3Objects() {
    }

    public static S3Client client() {
        Map<String, String> e = TestServices.endpoints();
        return S3ArchiveObjects.client(e.get("s3.endpoint"), "us-east-1", e.get("s3.access-key"), e.get("s3.secret-key"));
    }

    public static List<String> keys(String prefix) {
        try (S3Client s3 = client()) {
            return s3.listObjectsV2Paginator(b -> b.bucket(bucket()).prefix(prefix)).contents().stream().map(S3Object::key).toList();
        }
    }

    public static void put(String key, byte[] bytes) {
        try (S3Client s3 = client()) {
            s3.putObject(b -> b.bucket(bucket()).key(key), software.amazon.awssdk.core.sync.RequestBody.fromBytes(bytes));
        }
    }

    /** A text object (UTF-8); null when it does not exist. */
    public static String text(String key) {
        try (S3Client s3 = client()) {
            return s3.getObject(b -> b.bucket(bucket()).key(key), ResponseTransformer.toBytes()).asUtf8String();
        } catch (NoSuchKeyException e) {
            return null;
        }
    }

    /** The rows of a Parquet object; an empty list when the object does not exist. */
    public static List<GenericRecord> parquetRows(String key) throws IOException {
        try (S3Client s3 = client()) {
            return parquet(key, s3.getObject(b -> b.bucket(bucket()).key(key), ResponseTransformer.toBytes()).asByteArray());
        } catch (NoSuchKeyException e) {
            return List.of();
        }
    }

    /** The rows of a Parquet file's bytes, as generic records whatever classes its schema names. */
    public static List<GenericRecord> parquet(String name, byte[] bytes) throws IOException {
        List<GenericRecord> rows = new ArrayList<>();
        try (ParquetReader<GenericRecord> reader = AvroParquetReader.<GenericRecord>builder(new ParquetInputStream(name, bytes))
                .withDataModel(GenericData.get()).build()) {
            for (GenericRecord r = reader.read(); r != null; r = reader.read()) {
                rows.add(r);
            }
        }
        return rows;
    }

    /**
     * A column of a Parquet row as Java reads it: a decimal as a BigDecimal, a date as a LocalDate, text as a String,
     * numbers as they are; null for SQL NULL or a column the row does not have.
     */
    public static Object value(GenericRecord r, String column) {
        Schema.Field field = r.getSchema().getField(column);
        Object value = field == null ? null : r.get(column);
        if (value == null) {
            return null;
        }
        Schema type = field.schema().isUnion() ? field.schema().getTypes().stream()
                .filter(t -> t.getType() != Schema.Type.NULL).findFirst().orElseThrow() : field.schema();
        if (type.getLogicalType() instanceof LogicalTypes.Decimal decimal) {
            return ChangeEventParser.decimal((ByteBuffer) value, decimal.getScale());
        }
        if (type.getLogicalType() instanceof LogicalTypes.Date) {
            return LocalDate.ofEpochDay((Integer) value);
        }
        return value instanceof CharSequence text ? text.toString() : value;
    }

    /** A numeric column of a Parquet row (integer, double or decimal) as a BigDecimal; null for NULL. */
    public static BigDecimal number(GenericRecord r, String column) {
        Object value = value(r, column);
        return value == null ? null : value instanceof BigDecimal d ? d : new BigDecimal(value.toString());
    }

    private static String bucket() {
        return TestServices.endpoints().getOrDefault("s3.bucket", "processed-data");
    }
}
