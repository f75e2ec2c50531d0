package org.cdcpipeline.cdc;

import java.nio.ByteBuffer;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;

import io.debezium.embedded.KafkaConnectUtil;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.storage.FileOffsetBackingStore;
import org.apache.kafka.connect.util.Callback;

/**
 * Debezium's file offset store, except that it writes a position only once Kafka has acknowledged every change
 * event handed over before: the route publishes in batches, asynchronously from capture, so an event counts as done
 * for Debezium before Kafka has it. After a crash, capture resumes from the last position written; events after it
 * are published again (same LSN), none is lost. Which {@link PublishedEvents} it waits on is named in its
 * configuration, {@value #ACKNOWLEDGEMENTS} (set by the cdc-capture route).
 * <p>
 * With {@value #TABLE} set (cdc.offsets-table), positions are kept in that PostgreSQL table instead of the file, where
 * every instance of the pipeline finds them. On the first start with the table, a position in the file is moved there.
 */
public final class AcknowledgedOffsetStore extends FileOffsetBackingStore {

    /** Debezium configuration: the name the {@link PublishedEvents} to wait on is shared under. */
    public static final String ACKNOWLEDGEMENTS = "offset.storage.acknowledgements";
    /** Debezium configuration: {@code schema.table} of the PostgreSQL table that holds positions; blank: the file. */
    public static final String TABLE = "offset.storage.table";

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AcknowledgedOffsetStore.class);

    private volatile PublishedEvents events;
    private OffsetTable table;

    public AcknowledgedOffsetStore() {
        super(KafkaConnectUtil.converterForOffsetStore());
    }

    @Override
    public void configure(WorkerConfig config) {
        super.configure(config);
        String name = config.originalsStrings().get(ACKNOWLEDGEMENTS);
        if (name == null || name.isBlank()) {
            throw new ConfigException(ACKNOWLEDGEMENTS + " is not set: name the PublishedEvents bean in the debezium "
                    + "endpoint's additionalProperties." + ACKNOWLEDGEMENTS);
        }
        events = PublishedEvents.shared(name);
        String tableName = config.originalsStrings().get(TABLE);
        table = tableName == null || tableName.isBlank() ? null : new OffsetTable(tableName.trim(), config.originalsStrings());
    }

    /** Loads the file's positions; with a table, the table's, after moving the file's there if the table has none. */
    @Override
    public synchronized void start() {
        super.start();
        if (table == null) {
            return;
        }
        try {
            Map<ByteBuffer, ByteBuffer> shared = table.load();
            if (shared.isEmpty() && !data.isEmpty()) {
                table.save(data);
                LOG.info("Capture's position moved from the offsets file to table {}: every instance reads it there",
                        table.name());
            } else {
                data.clear();
                data.putAll(shared);
            }
        } catch (SQLException e) {
            throw new ConnectException("Cannot read capture's position from table " + table.name() + " ("
                    + e.getMessage() + "): check that PostgreSQL is reachable and that the pipeline's role may create "
                    + "and write that table, or leave cdc.offsets-table blank to keep the position in cdc.offsets-file", e);
        }
    }

    @Override
    public synchronized void stop() {
        super.stop();
        if (table != null) {
            table.close();
        }
    }

    @Override
    protected void save() {
        if (table == null) {
            super.save();
            return;
        }
        try {
            table.save(data);
        } catch (SQLException e) {
            throw new ConnectException("Cannot save capture's position in table " + table.name() + " ("
                    + e.getMessage() + "); it is saved again at the next flush", e);
        }
    }

    @Override
    public Future<Void> set(Map<ByteBuffer, ByteBuffer> values, Callback<Void> callback) {
        try {
            events.awaitAcknowledged(events.handedOver(), WAIT);
        } catch (TimeoutException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            if (events.isStopping()) {
                // reported as a failure all the same: on success Debezium would also confirm the position to the
                // slot (task.commit), and PostgreSQL would never send the unacknowledged changes again
                LOG.warn("Capture's position not saved at stop ({}): the changes after the last saved position are "
                        + "published again at the next start", e.getMessage() == null ? "interrupted" : e.getMessage());
            }
            if (callback != null) {
                callback.onCompletion(e, null);
            }
            return CompletableFuture.failedFuture(e);
        }
        return super.set(values, callback);
    }
}
