package org.cdcpipeline.doctor;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import org.cdcpipeline.archive.ArchiveBatch;
import org.cdcpipeline.archive.S3ArchiveObjects;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * S3 reachable with the configured keys and the bucket there; the newest object of the raw archive and the age of
 * each aggregate's current snapshot.
 */
final class S3Check {

    static final String NAME = "s3";
    private static final String RAW_PREFIX = ArchiveBatch.PREFIX;
    private static final AwsRequestOverrideConfiguration TIMEOUT = AwsRequestOverrideConfiguration.builder()
            .apiCallTimeout(Duration.ofSeconds(5)).build();

    private S3Check() {
    }

    static List<CheckResult> run(DoctorSettings settings) {
        List<CheckResult> results = new ArrayList<>();
        String endpoint = settings.get("s3.endpoint");
        String where = endpoint.isBlank() ? "AWS S3" : endpoint;
        String bucket = settings.get("s3.bucket");
        if (settings.embedded("s3.endpoint") && settings.get("s3.access-key").isBlank()) {
            results.add(CheckResult.fail(NAME, "no keys for the embedded S3 server at " + where + ": "
                            + settings.get("pipeline.data-dir") + "/dev-credentials.properties has none, so the pipeline has "
                            + "not run with this data directory", settings.startFix("s3.endpoint", "S3/MinIO", "S3_ENDPOINT")));
            return results;
        }
        try (S3Client client = S3ArchiveObjects.client(endpoint, settings.get("s3.region"), settings.get("s3.access-key"),
                settings.get("s3.secret-key"))) {
            try {
                client.listObjectsV2(ListObjectsV2Request.builder().bucket(bucket).maxKeys(1)
                        .overrideConfiguration(TIMEOUT).build());
                results.add(CheckResult.ok(NAME, "bucket " + bucket + " at " + where + " readable with the configured keys"));
            } catch (S3Exception e) {
                results.add(refused(settings, e, where, bucket));
                return results;
            } catch (SdkClientException e) {
                results.add(CheckResult.fail(NAME, "S3 not reachable at " + where + " (" + CheckResult.brief(e.getMessage()) + ")",
                        settings.startFix("s3.endpoint", "S3/MinIO", "S3_ENDPOINT")));
                return results;
            }
            try {
                rawArchive(client, settings, bucket, results);
                aggregates(client, settings, bucket, results);
            } catch (S3Exception | SdkClientException e) {
                results.add(CheckResult.fail(NAME, "S3 at " + where + " stopped answering (" + CheckResult.brief(e.getMessage()) + ")",
                        "see the S3 server's log; run doctor again"));
            }
        }
        return results;
    }

    private static CheckResult refused(DoctorSettings settings, S3Exception e, String where, String bucket) {
        String code = e.awsErrorDetails() != null && e.awsErrorDetails().errorCode() != null
                ? e.awsErrorDetails().errorCode() : "HTTP " + e.statusCode();
        if (e.statusCode() == 404) {
            return CheckResult.fail(NAME, "bucket " + bucket + " does not exist at " + where + " (" + code + ")",
                    "create it (s3cmd mb s3://" + bucket + ", or aws s3 mb s3://" + bucket
                            + (settings.get("s3.endpoint").isBlank() ? "" : " --endpoint-url " + where)
                            + ") or set S3_BUCKET to an existing bucket");
        }
        if (e.statusCode() == 403 || e.statusCode() == 401) {
            return CheckResult.fail(NAME, where + " refused the credentials for bucket " + bucket + " (" + code + ")",
                    settings.embedded("s3.endpoint")
                            ? "leave S3_ACCESS_KEY and S3_SECRET_KEY empty to use the embedded server's keys in "
                            + settings.get("pipeline.data-dir") + "/dev-credentials.properties, or set the ones it was started with"
                            : "set S3_ACCESS_KEY and S3_SECRET_KEY to keys the server accepts (with read and write access to the bucket)");
        }
        return CheckResult.fail(NAME, where + " answered " + code + " for bucket " + bucket + " (" + CheckResult.brief(e.getMessage()) + ")",
                "see the S3 server's log");
    }

    /**
     * The newest object of each table's archive. Objects are filed by table and day, so only the latest day's folder
     * of each table is listed, however long the archive has been written.
     */
    private static void rawArchive(S3Client client, DoctorSettings settings, String bucket, List<CheckResult> results) {
        if (!settings.flag("archive.enabled")) {
            results.add(CheckResult.ok(NAME, "raw archive is disabled (archive.enabled=false): " + RAW_PREFIX + " not checked"));
            return;
        }
        boolean found = false;
        for (String table : folders(client, bucket, RAW_PREFIX)) {
            List<String> days = folders(client, bucket, table);
            if (days.isEmpty()) {
                continue;
            }
            // date=yyyy-MM-dd: the last in key order is the latest day
            String latestDay = days.get(days.size() - 1);
            Optional<S3Object> newest = client.listObjectsV2Paginator(ListObjectsV2Request.builder().bucket(bucket)
                    .prefix(latestDay).overrideConfiguration(TIMEOUT).build()).contents().stream()
                    .max(Comparator.comparing(S3Object::lastModified));
            if (newest.isPresent()) {
                found = true;
                results.add(CheckResult.ok(NAME, RAW_PREFIX + "  " + table.substring(RAW_PREFIX.length(), table.length() - 1)
                        + "  newest " + newest.get().key().substring(table.length()) + "  " + age(newest.get().lastModified()) + " old"));
            }
        }
        if (!found) {
            results.add(CheckResult.warn(NAME, "no object under " + RAW_PREFIX + " yet",
                    "the archive writes a batch after archive.batch-max-age-ms or archive.batch-size changes: check "
                            + "the raw-archive route (doctor --component routes) and its consumer group (doctor --component kafka)"));
        }
    }

    /** The folders (common prefixes, each ending in /) right under {@code prefix}, in key order. */
    private static List<String> folders(S3Client client, String bucket, String prefix) {
        return client.listObjectsV2Paginator(ListObjectsV2Request.builder().bucket(bucket).prefix(prefix).delimiter("/")
                        .overrideConfiguration(TIMEOUT).build()).commonPrefixes().stream()
                .map(CommonPrefix::prefix).sorted().toList();
    }

    /**
     * Every folder under aggregate.snapshot-prefix that holds a current.parquet is an aggregate's, and one that holds a
     * manifest.json a table mirror's.
     */
    private static void aggregates(S3Client client, DoctorSettings settings, String bucket, List<CheckResult> results) {
        if (!settings.flag("aggregate.enabled")) {
            results.add(CheckResult.ok(NAME, "aggregates are disabled (aggregate.enabled=false): snapshots not checked"));
            return;
        }
        String prefix = settings.get("aggregate.snapshot-prefix");
        int found = 0;
        for (String folder : folders(client, bucket, prefix)) {
            if (folder.equals(RAW_PREFIX)) {
                continue;
            }
            for (String object : List.of("current.parquet", "manifest.json")) {
                String key = folder + object;
                try {
                    HeadObjectResponse current = client.headObject(HeadObjectRequest.builder().bucket(bucket).key(key)
                            .overrideConfiguration(TIMEOUT).build());
                    results.add(CheckResult.ok(NAME, key + "  " + age(current.lastModified()) + " old"));
                    found++;
                    break;
                } catch (NoSuchKeyException e) {
                    // not an aggregate's (or a mirror's) folder
                } catch (S3Exception e) {
                    if (e.statusCode() != 404) {
                        throw e;
                    }
                }
            }
        }
        if (found == 0) {
            results.add(CheckResult.warn(NAME, "no aggregate snapshot (<name>/current.parquet) under "
                            + (prefix.isEmpty() ? "the bucket's top level" : prefix) + " yet",
                    "an aggregate is written every aggregate.snapshot-interval-ms once it has changed: check the "
                            + "aggregate routes (doctor --component routes) and their consumer groups"));
        }
    }

    static String age(Instant time) {
        long seconds = Math.max(0, Duration.between(time, Instant.now()).toSeconds());
        if (seconds < 120) {
            return seconds + " s";
        }
        if (seconds < 7200) {
            return seconds / 60 + " min";
        }
        if (seconds < 172800) {
            return seconds / 3600 + " h";
        }
        return seconds / 86400 + " days";
    }
}
