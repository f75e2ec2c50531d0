package org.cdcpipeline.cdc;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.debezium.embedded.EmbeddedWorkerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AcknowledgedOffsetStoreTest {

    @TempDir
    Path dir;

    @Test
    void shouldSaveAPositionOnlyOnceKafkaHasTheEventsBeforeIt() throws Exception {
        PublishedEvents events = new PublishedEvents(10).shareAs("publishedEventsStoreTest");
        events.handOver(PublishedEventsTest.event());
        Path file = dir.resolve("offsets.dat");
        AcknowledgedOffsetStore store = startedStore(file, "publishedEventsStoreTest");
        try {
            CompletableFuture<Void> saved = CompletableFuture.runAsync(() -> {
                try {
                    store.set(Map.of(bytes("[\"cdc\",{\"server\":\"dbserver1\"}]"), bytes("{\"lsn\":1}")), null).get();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThatThrownBy(() -> saved.get(300, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
            assertThat(file).doesNotExist();
            events.acknowledge(1);
            saved.get(10, TimeUnit.SECONDS);
            assertThat(Files.size(file)).isPositive();
        } finally {
            store.stop();
        }
    }

    /**
     * A stop while Kafka still holds events back saves nothing, and says so as a failure: Debezium confirms a
     * position to the replication slot only after a save that succeeded.
     */
    @Test
    void shouldFailTheLastSaveOfAStopWhileEventsWaitForKafka() throws Exception {
        PublishedEvents events = new PublishedEvents(10).shareAs("publishedEventsStopTest");
        events.handOver(PublishedEventsTest.event());
        Path file = dir.resolve("offsets.dat");
        AcknowledgedOffsetStore store = startedStore(file, "publishedEventsStopTest");
        try {
            PublishedEvents.stopping();
            CompletableFuture<Throwable> reported = new CompletableFuture<>();
            var saved = store.set(Map.of(bytes("[\"cdc\",{\"server\":\"dbserver1\"}]"), bytes("{\"lsn\":1}")),
                    (error, result) -> reported.complete(error));
            assertThatThrownBy(() -> saved.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(TimeoutException.class);
            assertThat(reported.get(1, TimeUnit.SECONDS)).isInstanceOf(TimeoutException.class);
            assertThat(file).doesNotExist();
        } finally {
            store.stop();
        }
    }

    @Test
    void shouldNameTheSettingWhenNoEventsAreNamed() {
        AcknowledgedOffsetStore store = new AcknowledgedOffsetStore();
        assertThatThrownBy(() -> store.configure(config(dir.resolve("offsets.dat"), null)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("additionalProperties." + AcknowledgedOffsetStore.ACKNOWLEDGEMENTS);
    }

    /** A store on {@code file} that waits on the events shared as {@code events}, started. */
    private static AcknowledgedOffsetStore startedStore(Path file, String events) {
        AcknowledgedOffsetStore store = new AcknowledgedOffsetStore();
        store.configure(config(file, events));
        store.start();
        return store;
    }

    private static EmbeddedWorkerConfig config(Path file, String events) {
        Map<String, String> config = new HashMap<>();
        config.put("offset.storage.file.filename", file.toString());
        if (events != null) {
            config.put(AcknowledgedOffsetStore.ACKNOWLEDGEMENTS, events);
        }
        return new EmbeddedWorkerConfig(config);
    }

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }
}
