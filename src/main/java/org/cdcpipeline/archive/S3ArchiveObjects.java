package org.cdcpipeline.archive;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

import org.apache.avro.generic.GenericRecord;
import org.apache.camel.dataformat.parquet.avro.ParquetInputStream;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.cdcpipeline.StartupException;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadBucketRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/** The archive's objects in an S3 bucket (AWS, MinIO or the embedded server), through the client the route uses. */
public final class S3ArchiveObjects implements ArchiveObjects {

    private final S3Client client;
    private final String bucket;

    public S3ArchiveObjects(S3Client client, String bucket) {
        this.client = client;
        this.bucket = bucket;
    }

    /**
     * A client for the endpoint (empty: AWS), region and keys (empty: the default AWS credential chain); path-style
     * addressing when an endpoint is given, as MinIO and the embedded server need.
     */
    public static S3Client client(String endpoint, String region, String accessKey, String secretKey) {
        S3ClientBuilder builder = S3Client.builder().region(Region.of(region.isBlank() ? "us-east-1" : region));
        if (!endpoint.isBlank()) {
            builder.endpointOverride(URI.create(endpoint)).forcePathStyle(true);
        }
        builder.credentialsProvider(accessKey.isBlank() ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)));
        return builder.build();
    }

    /** Fails the start with one line naming the fix when the bucket is missing, the keys are refused or S3 is away. */
    public void requireBucket(String endpoint) {
        String where = endpoint.isBlank() ? "AWS S3" : endpoint;
        try {
            client.headBucket(HeadBucketRequest.builder().bucket(bucket).build());
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw new StartupException("The archive bucket '" + bucket + "' does not exist at " + where
                        + ": create it (s3cmd mb s3://" + bucket + ", or aws s3 mb s3://" + bucket
                        + " --endpoint-url " + where + ") or set S3_BUCKET to an existing bucket.", e);
            }
            if (e.statusCode() == 403 || e.statusCode() == 401) {
                throw new StartupException(where + " refused the archive's credentials for bucket '" + bucket
                        + "' (HTTP " + e.statusCode() + "): check S3_ACCESS_KEY and S3_SECRET_KEY.", e);
            }
            throw new StartupException(where + " answered HTTP " + e.statusCode() + " for bucket '" + bucket + "': "
                    + e.getMessage(), e);
        } catch (SdkClientException e) {
            throw new StartupException("S3 is not reachable at " + where + " (" + e.getMessage()
                    + "): check S3_ENDPOINT, or leave it empty to start the embedded S3 server.", e);
        }
    }

    @Override
    public List<String> list(String prefix) {
        List<String> keys = new ArrayList<>();
        client.listObjectsV2Paginator(ListObjectsV2Request.builder().bucket(bucket).prefix(prefix).build())
                .contents().stream().map(S3Object::key).forEach(keys::add);
        return keys;
    }

    @Override
    public List<String> identities(String key) {
        byte[] bytes = client.getObjectAsBytes(GetObjectRequest.builder().bucket(bucket).key(key).build()).asByteArray();
        List<String> ids = new ArrayList<>();
        try (ParquetReader<GenericRecord> reader = AvroParquetReader.<GenericRecord>builder(new ParquetInputStream(key, bytes)).build()) {
            for (GenericRecord r = reader.read(); r != null; r = reader.read()) {
                Object k = r.getSchema().getField("__key") != null ? r.get("__key") : "";
                ids.add(k + "|" + r.get("__lsn"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read archived object " + key, e);
        }
        return ids;
    }
}
