package org.cdcpipeline.cdc;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;

import io.debezium.embedded.KafkaConnectUtil;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.storage.FileOffsetBackingStore;
import org.apache.kafka.connect.util.Callback;

/**
 * Debezium's file offset store, except that it writes a position only once Kafka has acknowledged every change
 * event handed over before: the route publishes in batches, asynchronously from capture, so an event counts as done
 * for Debezium before Kafka has it. After a crash, capture resumes from the last position written; events after it
 * are published again (same LSN), none is lost. Which {@link PublishedEvents} it waits on is named in its
 * configuration, {@value #ACKNOWLEDGEMENTS} (set by the cdc-capture route).
 */
public final class AcknowledgedOffsetStore extends FileOffsetBackingStore {

    /** Debezium configuration: the name the {@link PublishedEvents} to wait on is shared under. */
    public static final String ACKNOWLEDGEMENTS = "offset.storage.acknowledgements";

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AcknowledgedOffsetStore.class);

    private volatile PublishedEvents events;

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
                // the last save of a stop: the position stays where it was, and the events after it are published
                // again at the next start; not a failure to report
                LOG.debug("Capture's position not saved at stop: {}", e.getMessage());
                if (callback != null) {
                    callback.onCompletion(null, null);
                }
                return CompletableFuture.completedFuture(null);
            }
            if (callback != null) {
                callback.onCompletion(e, null);
            }
            return CompletableFuture.failedFuture(e);
        }
        return super.set(values, callback);
    }
}
