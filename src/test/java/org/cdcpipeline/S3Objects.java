package org.cdcpipeline;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.LocalInputFile;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/** Reads the shared test S3 server as any S3 client would, and Parquet objects as any Parquet reader would. */
public final class S3Objects {

    private S3Objects() {
    }

    public static S3Client client() {
        Map<String, String> e = TestServices.endpoints();
        return S3Client.builder().endpointOverride(URI.create(e.get("s3.endpoint"))).region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(e.get("s3.access-key"), e.get("s3.secret-key"))))
                .build();
    }

    public static List<String> keys(String prefix) {
        try (S3Client s3 = client()) {
            return s3.listObjectsV2Paginator(b -> b.bucket(bucket()).prefix(prefix)).contents().stream().map(S3Object::key).toList();
        }
    }

    /** The rows of a Parquet object; an empty list when the object does not exist. */
    public static List<GenericRecord> parquetRows(String key) throws IOException {
        byte[] bytes;
        try (S3Client s3 = client()) {
            bytes = s3.getObject(b -> b.bucket(bucket()).key(key), ResponseTransformer.toBytes()).asByteArray();
        } catch (software.amazon.awssdk.services.s3.model.NoSuchKeyException e) {
            return List.of();
        }
        Path file = Files.createTempFile("s3-object", ".parquet");
        try {
            Files.write(file, bytes);
            List<GenericRecord> rows = new ArrayList<>();
            try (ParquetReader<GenericRecord> reader = AvroParquetReader.<GenericRecord>builder(new LocalInputFile(file))
                    .withDataModel(org.apache.avro.generic.GenericData.get()).build()) {
                for (GenericRecord r = reader.read(); r != null; r = reader.read()) {
                    rows.add(r);
                }
            }
            return rows;
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static String bucket() {
        return TestServices.endpoints().getOrDefault("s3.bucket", "processed-data");
    }
}
