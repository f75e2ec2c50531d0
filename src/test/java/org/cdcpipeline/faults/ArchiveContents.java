package org.cdcpipeline.faults;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.apache.avro.generic.GenericRecord;
import org.cdcpipeline.S3Objects;
import org.cdcpipeline.archive.S3ArchiveObjects;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The raw archive as any S3 client and Parquet reader sees it: the objects under {@code raw-kafka-data/}, read straight
 * from the S3 server (not through the fault proxy). Objects never change once written, so each is read once.
 */
final class ArchiveContents implements AutoCloseable {

    static final String PREFIX = "raw-kafka-data/";

    private final S3Client s3;
    private final String bucket;
    private final Map<String, ArchiveObject> objects = new LinkedHashMap<>();

    ArchiveContents(String endpoint, String accessKey, String secretKey, String bucket) {
        this.s3 = S3ArchiveObjects.client(endpoint, "us-east-1", accessKey, secretKey);
        this.bucket = bucket;
    }

    /**
     * An object: {@code raw-kafka-data/table=<table>/date=<day>/<topic>-<partition>-<first>-<last>.parquet}, and its rows.
     */
    record ArchiveObject(String key, String table, String topic, int partition, long first, long last, List<ArchivedRow> rows) {

        static ArchiveObject named(String key, List<GenericRecord> records) {
            String table = key.substring(key.indexOf("table=") + "table=".length(), key.indexOf('/', key.indexOf("table=")));
            String name = key.substring(key.lastIndexOf('/') + 1, key.length() - ".parquet".length());
            String[] parts = name.split("-");
            int n = parts.length;
            String topic = String.join("-", java.util.Arrays.copyOf(parts, n - 3));
            ArchiveObject object = new ArchiveObject(key, table, topic, Integer.parseInt(parts[n - 3]),
                    Long.parseLong(parts[n - 2]), Long.parseLong(parts[n - 1]), new ArrayList<>());
            for (GenericRecord r : records) {
                object.rows.add(new ArchivedRow(object, r));
            }
            return object;
        }

        String range() {
            return first + "-" + last;
        }

        String fileName() {
            return key.substring(key.lastIndexOf('/') + 1);
        }
    }

    /** One archived change: the row's columns and the archive's metadata columns. */
    record ArchivedRow(ArchiveObject object, GenericRecord record) {

        int id() {
            return ((Number) record.get("id")).intValue();
        }

        String op() {
            return String.valueOf(record.get("__op"));
        }

        long lsn() {
            return ((Number) record.get("__lsn")).longValue();
        }

        long xid() {
            Object tx = record.get("__tx_id");
            return tx == null ? -1 : ((Number) tx).longValue();
        }

        int partition() {
            return ((Number) record.get("__kafka_partition")).intValue();
        }

        long offset() {
            return ((Number) record.get("__kafka_offset")).longValue();
        }

        String table() {
            return object.table();
        }

        String where() {
            return object.topic() + "-" + partition() + "@" + offset() + " in " + object.fileName();
        }
    }

    /** Lists the bucket again and reads the objects not seen before; returns whether any object was new. */
    boolean refresh() throws IOException {
        List<String> keys = s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(PREFIX)).contents().stream()
                .map(S3Object::key).filter(k -> k.endsWith(".parquet")).toList();
        boolean changed = false;
        for (String key : keys) {
            if (!objects.containsKey(key)) {
                byte[] bytes = s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray();
                objects.put(key, ArchiveObject.named(key, S3Objects.parquet(key, bytes)));
                changed = true;
            }
        }
        return changed;
    }

    Collection<ArchiveObject> objects() {
        return objects.values();
    }

    List<ArchivedRow> rows() {
        List<ArchivedRow> rows = new ArrayList<>();
        for (ArchiveObject o : objects.values()) {
            rows.addAll(o.rows());
        }
        return rows;
    }

    Set<String> tables() {
        Set<String> tables = new TreeSet<>();
        objects.values().forEach(o -> tables.add(o.table()));
        return tables;
    }

    /** A text object of the bucket (a mirror's manifest); null if there is none. */
    String text(String key) {
        try {
            return s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asUtf8String();
        } catch (software.amazon.awssdk.services.s3.model.NoSuchKeyException e) {
            return null;
        }
    }

    /** The Parquet rows of any object of the bucket (an aggregate's snapshot); empty if there is none. */
    List<GenericRecord> parquet(String key) throws IOException {
        try {
            return S3Objects.parquet(key, s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray());
        } catch (software.amazon.awssdk.services.s3.model.NoSuchKeyException e) {
            return List.of();
        }
    }

    @Override
    public void close() {
        s3.close();
    }
}
