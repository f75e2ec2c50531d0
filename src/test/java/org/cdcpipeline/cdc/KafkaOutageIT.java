package org.cdcpipeline.cdc;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.cdcpipeline.TestPipeline;
import org.cdcpipeline.TestServices;
import org.cdcpipeline.TopicReader;
import org.cdcpipeline.embedded.EmbeddedServices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Kafka goes away while changes are committed: capture waits and says so, and every change arrives once Kafka is back, also when
 * the pipeline was stopped meanwhile.
 */
class KafkaOutageIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;

    @Test
    void shouldPublishEveryChangeCommittedWhileKafkaWasDown() throws Exception {
        Broker kafka = new Broker(work);
        try (TestPipeline pipeline = TestPipeline.start(settings("kafka_down", kafka.bootstrap))) {
            insert("kafka_down", 1, 5);
            assertThat(TopicReader.read(kafka.bootstrap, "kafka_down.kafka_down.klienci", 5)).hasSize(5);

            kafka.stop();
            String beforeOutage = TestServices.column("SELECT pg_current_wal_lsn()::text").get(0);
            insert("kafka_down", 6, 10);
            // said where an operator looks: the readiness check capture-streaming and the log
            CaptureStreaming streaming = pipeline.context().getRegistry()
                    .lookupByNameAndType("captureStreaming", CaptureStreaming.class);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(streaming.stalled())
                    .hasValueSatisfying(problem -> assertThat(problem)
                            // the five, or those captured before capture's position flush began to wait for Kafka
                            .containsPattern("^[1-5] change events have waited").contains("for Kafka's acknowledgement")));
            // the outage itself, held for 5 s more (Awaitility during, a fixed observation window): capture keeps the
            // changes it cannot publish, so the slot's confirmed position stays before them all along
            await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(6))
                    .until(() -> confirmedNotPast("kafka_down", beforeOutage));
            kafka.start();

            assertEveryIdOnce(kafka.bootstrap, "kafka_down", 10);
            await().atMost(Duration.ofSeconds(10)).until(() -> streaming.stalled().isEmpty());
        } finally {
            kafka.stop();
        }
    }

    /**
     * The pipeline stops while Kafka is away, with changes captured but never acknowledged: neither the saved position
     * nor the slot's confirmed position may pass them, or PostgreSQL would not send them again at the next start.
     */
    @Test
    void shouldPublishAfterARestartTheChangesKafkaNeverAcknowledgedBeforeTheStop() throws Exception {
        Broker kafka = new Broker(work);
        try {
            String beforeOutage;
            try (TestPipeline pipeline = TestPipeline.start(settings("kafka_stop", kafka.bootstrap))) {
                insert("kafka_stop", 1, 5);
                assertThat(TopicReader.read(kafka.bootstrap, "kafka_stop.kafka_stop.klienci", 5)).hasSize(5);
                // a position saved past them: the next start resumes streaming, not a new snapshot
                String published = TestServices.column("SELECT pg_current_wal_lsn()::text").get(0);
                await().atMost(Duration.ofSeconds(30)).until(() -> !confirmedNotPast("kafka_stop", published));
                kafka.stop();
                beforeOutage = TestServices.column("SELECT pg_current_wal_lsn()::text").get(0);
                insert("kafka_stop", 6, 10);
                // capture has read the changes (the slot's reader is past them) before the stop
                await().atMost(Duration.ofSeconds(30)).until(() -> TestServices.column(
                        "SELECT sent_lsn > '" + beforeOutage + "'::pg_lsn FROM pg_stat_replication r "
                                + "JOIN pg_replication_slots s ON s.active_pid = r.pid WHERE s.slot_name = 'kafka_stop'")
                        .equals(List.of("t")));
            }
            assertThat(confirmedNotPast("kafka_stop", beforeOutage))
                    .as("the slot's confirmed position after a stop with changes Kafka never acknowledged").isTrue();

            kafka.start();
            try (TestPipeline pipeline = TestPipeline.start(settings("kafka_stop", kafka.bootstrap))) {
                assertEveryIdOnce(kafka.bootstrap, "kafka_stop", 10);
            }
        } finally {
            kafka.stop();
        }
    }

    private Map<String, String> settings(String name, String bootstrap) {
        return Map.of("csv.dir", work.resolve(name + "-csv").toString(), "csv.schema", name,
                "pipeline.data-dir", work.resolve(name + "-data").toString(), "cdc.enabled", "true",
                "kafka.bootstrap-servers", bootstrap, "topic.prefix", name, "cdc.slot-name", name,
                "cdc.publication-name", name, "cdc.offset-flush-interval-ms", "200", "cdc.stalled-after-ms", "2000");
    }

    private static boolean confirmedNotPast(String slot, String lsn) throws Exception {
        return TestServices.column("SELECT confirmed_flush_lsn <= '" + lsn + "'::pg_lsn FROM pg_replication_slots "
                + "WHERE slot_name = '" + slot + "'").equals(List.of("t"));
    }

    /** Every id from 1 to {@code ids} is in the table's topic, each change with one LSN (published again: same LSN). */
    private static void assertEveryIdOnce(String bootstrap, String schema, int ids) throws Exception {
        List<ConsumerRecord<String, String>> records = TopicReader.read(bootstrap, schema + "." + schema + ".klienci", ids);
        Map<Integer, Set<Long>> lsnsById = new HashMap<>();
        for (ConsumerRecord<String, String> r : records) {
            JsonNode event = JSON.readTree(r.value());
            lsnsById.computeIfAbsent(event.at("/payload/after/id").asInt(), id -> new HashSet<>())
                    .add(event.at("/payload/source/lsn").asLong());
        }
        assertThat(lsnsById.keySet()).containsExactlyInAnyOrderElementsOf(
                java.util.stream.IntStream.rangeClosed(1, ids).boxed().toList());
        assertThat(lsnsById.values()).allSatisfy(lsns -> assertThat(lsns).hasSize(1));
    }

    /** A Kafka broker of the test's own, stopped and started again on the same ports and data. */
    private static final class Broker {
        private final Map<String, String> settings = new HashMap<>();
        private EmbeddedServices services;
        final String bootstrap;

        Broker(Path work) {
            settings.put("pipeline.data-dir", work.resolve("kafka").toString());
            settings.put("postgres.host", "external");
            settings.put("s3.endpoint", "external");
            settings.put("kafka.bootstrap-servers", "");
            settings.put("kafka.embedded.port", String.valueOf(TestServices.freePort()));
            settings.put("kafka.embedded.controller-port", String.valueOf(TestServices.freePort()));
            start();
            bootstrap = services.endpoints().get("kafka.bootstrap-servers");
        }

        void start() {
            services = EmbeddedServices.start(k -> settings.getOrDefault(k, ""), false);
        }

        void stop() {
            if (services != null) {
                services.close();
                services = null;
            }
        }
    }

    private static void insert(String schema, int from, int to) throws Exception {
        try (Connection c = TestServices.connect(); Statement st = c.createStatement()) {
            for (int id = from; id <= to; id++) {
                st.execute("INSERT INTO " + schema + ".klienci (id, nazwa) VALUES (" + id + ", 'Klient " + id + "')");
            }
        }
    }
}
