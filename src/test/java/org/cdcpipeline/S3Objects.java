package org.cdcpipeline;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.camel.dataformat.parquet.avro.ParquetInputStream;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
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

    private static String bucket() {
        return TestServices.endpoints().getOrDefault("s3.bucket", "processed-data");
    }
}
