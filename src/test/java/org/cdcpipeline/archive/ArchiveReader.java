package org.cdcpipeline.archive;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.apache.avro.generic.GenericRecord;
import org.cdcpipeline.S3Objects;
import org.cdcpipeline.TestServices;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Object;

/** Reads the archive back from the shared test S3 server, as any S3 client and Parquet reader would. */
public final class ArchiveReader implements AutoCloseable {

    private final S3Client s3;
    private final String bucket;

    /** A reader of another S3 server (an application run with its own embedded services). */
    public ArchiveReader(String endpoint, String accessKey, String secretKey, String bucket) {
        s3 = S3ArchiveObjects.client(endpoint, "us-east-1", accessKey, secretKey);
        this.bucket = bucket;
    }

    ArchiveReader() {
        this(TestServices.endpoints().get("s3.endpoint"), TestServices.endpoints().get("s3.access-key"),
                TestServices.endpoints().get("s3.secret-key"), TestServices.endpoints().get("s3.bucket"));
    }

    /** Keys of the objects of one topic, in the order of their first offset. */
    public List<String> keys(String table, String topic) {
        return s3.listObjectsV2Paginator(ListObjectsV2Request.builder().bucket(bucket)
                        .prefix("raw-kafka-data/table=" + table + "/").build())
                .contents().stream().map(S3Object::key)
                // only the archive's own object names: <topic>-<partition>-<firstOffset>-<lastOffset>.parquet
                .filter(k -> k.substring(k.lastIndexOf('/') + 1).matches(java.util.regex.Pattern.quote(topic) + "-\\d+-\\d+-\\d+\\.parquet"))
                .sorted(java.util.Comparator.comparingLong(ArchiveReader::firstOffset)).toList();
    }

    static long firstOffset(String key) {
        String[] parts = key.substring(0, key.length() - ".parquet".length()).split("-");
        return Long.parseLong(parts[parts.length - 2]);
    }

    public List<GenericRecord> rows(String key) throws IOException {
        return S3Objects.parquet(key, s3.getObjectAsBytes(GetObjectRequest.builder().bucket(bucket).key(key).build()).asByteArray());
    }

    /** Every row of every object of the topic. */
    public List<GenericRecord> allRows(String table, String topic) throws IOException {
        for (int attempt = 1; ; attempt++) {
            List<GenericRecord> rows = new ArrayList<>();
            try {
                for (String key : keys(table, topic)) {
                    rows.addAll(rows(key));
                }
                return rows;
            } catch (software.amazon.awssdk.services.s3.model.NoSuchKeyException e) {
                // the file-system S3 server may list an object while its upload is still being stored
                if (attempt == 5) {
                    throw e;
                }
            }
        }
    }

    /** Removes an object: the state a crash leaves when a batch's object was never written. */
    public void delete(String key) {
        s3.deleteObject(software.amazon.awssdk.services.s3.model.DeleteObjectRequest.builder().bucket(bucket).key(key).build());
    }

    @Override
    public void close() {
        s3.close();
    }
}
