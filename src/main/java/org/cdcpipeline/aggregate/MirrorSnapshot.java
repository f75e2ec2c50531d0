package org.cdcpipeline.aggregate;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.hadoop.ParquetWriter;
import org.cdcpipeline.archive.ArchiveBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * One version of a table mirror ({@code function: mirror}): the table's current rows as of one position, written as
 * Parquet parts of at most {@code rowsPerFile} rows, typed like the raw archive, under
 * {@code <prefix><name>/parts/<version>/}, then named by {@code <prefix><name>/manifest.json}. The parts are read from
 * the state while they are written ({@link #parts()}, one transaction), so a table of any size needs the memory of
 * one part; a reader reads the manifest's list, so never a version half written.
 */
public final class MirrorSnapshot {

    private static final Logger LOG = LoggerFactory.getLogger(MirrorSnapshot.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int FETCH_SIZE = 1000;
    /** Versions kept: the newest, and the one before it for a reader that read the manifest just before it changed. */
    private static final int VERSIONS_KEPT = 2;

    private final AggregateStore store;
    private final AggregateDefinition definition;
    private final String prefix;
    private final int rowsPerFile;
    private final long startedAt = System.currentTimeMillis();
    private final List<String> files = new ArrayList<>();
    private AggregateStore.AsOf asOf;
    private long rows;
    private long readNanos;

    MirrorSnapshot(AggregateStore store, AggregateDefinition definition, String prefix, int rowsPerFile) {
        if (rowsPerFile < 1) {
            throw new IllegalArgumentException("aggregate.mirror-rows-per-file must be at least 1, not " + rowsPerFile);
        }
        this.store = store;
        this.definition = definition;
        this.prefix = prefix;
        this.rowsPerFile = rowsPerFile;
    }

    /** The mirror's name (its folder in the bucket). */
    public String aggregate() {
        return definition.name();
    }

    /** A part of this version: its object key and Parquet bytes. */
    public record Part(String key, byte[] parquet, long rows) {
    }

    /**
     * The parts of this version, each made when asked for, from one transaction on the state: at least one, with the
     * table's columns even when it has no row. Close the iterator to end the transaction early.
     */
    public Iterator<Part> parts() throws SQLException {
        AggregateStore.MirrorRows rows = store.mirrorRows(definition, FETCH_SIZE);
        try {
            return new Parts(rows);
        } catch (SQLException | RuntimeException e) {
            rows.close();
            throw e;
        }
    }

    private final class Parts implements Iterator<Part>, Closeable {

        private final AggregateStore.MirrorRows source;
        private final Map<String, ColumnType> columns;
        private final Schema schema;
        private final Map<String, String> fieldNames;
        private final Map<String, Long> unreadable = new LinkedHashMap<>();
        private boolean more;
        private boolean closed;

        Parts(AggregateStore.MirrorRows source) throws SQLException {
            this.source = source;
            asOf = source.asOf();
            more = source.images().next();
            this.columns = source.columns().isEmpty() ? columnsOf(more ? source.images().getString(1) : "{}")
                    : source.columns();
            this.fieldNames = ArchiveBatch.fieldNames(List.copyOf(columns.keySet()));
            SchemaBuilder.FieldAssembler<Schema> fields = SchemaBuilder.record("row")
                    .namespace("org.cdcpipeline.mirror").fields();
            columns.forEach((column, type) -> fields.name(fieldNames.get(column))
                    .type(SnapshotParquet.nullable(type.avro())).withDefault(null));
            this.schema = SnapshotParquet.asOf(fields);
        }

        @Override
        public boolean hasNext() {
            return !closed && (more || files.isEmpty());
        }

        @Override
        public Part next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            long start = System.nanoTime();
            String key = String.format("%s%05d.parquet", versionPrefix(), files.size());
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            long written = 0;
            try (ParquetWriter<GenericRecord> writer = SnapshotParquet.writer(aggregate(), schema, bytes)) {
                while (more && written < rowsPerFile) {
                    writer.write(record(source.images().getString(1)));
                    written++;
                    more = source.images().next();
                }
            } catch (IOException e) {
                close();
                throw new UncheckedIOException(e);
            } catch (SQLException e) {
                close();
                throw new IllegalStateException("Mirror " + aggregate() + ": reading its rows failed: " + e.getMessage(), e);
            }
            files.add(key);
            rows += written;
            readNanos += System.nanoTime() - start;
            if (!more) {
                close();
            }
            return new Part(key, bytes.toByteArray(), written);
        }

        private GenericRecord record(String image) throws IOException {
            JsonNode row = JSON.readTree(image);
            GenericData.Record record = new GenericData.Record(schema);
            columns.forEach((column, type) -> {
                JsonNode value = row.get(column);
                if (value == null || value.isNull()) {
                    return;
                }
                try {
                    record.put(fieldNames.get(column), type.avroValue(type.parse(value.asText())));
                } catch (IllegalArgumentException e) {
                    // a row kept from before the column's type changed: written as NULL, said once per version
                    unreadable.merge(column, 1L, Long::sum);
                }
            });
            record.put("__as_of_commit_time", asOf.commitTsMs());
            record.put("__as_of_lsn", asOf.lsn());
            return record;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            unreadable.forEach((column, count) -> LOG.warn("Mirror {}: {} values of column {} do not read as its type "
                    + "now ({}) and are written as NULL; they are right again once their rows change", aggregate(), count,
                    column, columns.get(column).kind()));
            try {
                source.close();
            } catch (SQLException e) {
                LOG.debug("Mirror {}: ending the read transaction failed", aggregate(), e);
            }
        }
    }

    /** The columns of a row image, as text: the table is not in the catalog (dropped since). */
    private static Map<String, ColumnType> columnsOf(String image) {
        Map<String, ColumnType> columns = new LinkedHashMap<>();
        try {
            JSON.readTree(image).fieldNames().forEachRemaining(c -> columns.put(c, ColumnType.TEXT));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return columns;
    }

    /** This version's folder: ordered by the commit time it is as of, then by when it was written. */
    private String versionPrefix() {
        return String.format("%s%s/parts/%013d-%s-%013d/", prefix, aggregate(), asOf.commitTsMs(),
                asOf.lsn() == null ? "0" : asOf.lsn().toString(), startedAt);
    }

    /** How long reading the rows and making the parts took (not storing them). */
    long readNanos() {
        return readNanos;
    }

    /** Where readers find the list of the current version's parts. */
    public String manifestKey() {
        return prefix + aggregate() + "/manifest.json";
    }

    /** The manifest of this version, once its parts are written: their keys, its row count and position. */
    public String manifest() {
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("table", definition.schema() + "." + definition.table());
        manifest.put("as_of_commit_time_ms", asOf.commitTsMs());
        if (asOf.lsn() == null) {
            manifest.putNull("as_of_lsn");
        } else {
            manifest.put("as_of_lsn", asOf.lsn());
        }
        manifest.put("rows", rows);
        files.forEach(manifest.putArray("files")::add);
        return manifest.toPrettyString();
    }

    /** The folder of this mirror's parts, for listing the versions there. */
    public String partsPrefix() {
        return prefix + aggregate() + "/parts/";
    }

    /** The parts of versions older than the newest {@value #VERSIONS_KEPT}, to delete. */
    public static List<String> expiredParts(List<S3Object> objects, String partsPrefix) {
        TreeSet<String> versions = new TreeSet<>(Comparator.reverseOrder());
        for (S3Object o : objects) {
            versions.add(version(o.key(), partsPrefix));
        }
        List<String> kept = versions.stream().limit(VERSIONS_KEPT).toList();
        return objects.stream().map(S3Object::key).filter(k -> !kept.contains(version(k, partsPrefix))).toList();
    }

    private static String version(String key, String partsPrefix) {
        String rest = key.substring(partsPrefix.length());
        int slash = rest.indexOf('/');
        return slash < 0 ? rest : rest.substring(0, slash);
    }
}
