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

/** Kafka goes away while changes are committed: capture waits, and every change arrives once Kafka is back. */
class KafkaOutageIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;

    @Test
    void shouldPublishEveryChangeCommittedWhileKafkaWasDown() throws Exception {
        Map<String, String> broker = new HashMap<>();
        broker.put("pipeline.data-dir", work.resolve("kafka").toString());
        broker.put("postgres.host", "external");
        broker.put("s3.endpoint", "external");
        broker.put("kafka.bootstrap-servers", "");
        broker.put("kafka.embedded.port", String.valueOf(TestServices.freePort()));
        broker.put("kafka.embedded.controller-port", String.valueOf(TestServices.freePort()));
        EmbeddedServices kafka = EmbeddedServices.start(k -> broker.getOrDefault(k, ""), false);
        String bootstrap = kafka.endpoints().get("kafka.bootstrap-servers");
        try (TestPipeline pipeline = TestPipeline.start(Map.of("csv.dir", work.resolve("csv").toString(),
                "csv.schema", "kafka_down", "pipeline.data-dir", work.resolve("data").toString(), "cdc.enabled", "true",
                "kafka.bootstrap-servers", bootstrap, "topic.prefix", "kdown", "cdc.slot-name", "kafka_down",
                "cdc.publication-name", "kafka_down"))) {
            insert(1, 5);
            assertThat(TopicReader.read(bootstrap, "kdown.kafka_down.klienci", 5)).hasSize(5);

            kafka.close();
            String beforeOutage = TestServices.column("SELECT pg_current_wal_lsn()::text").get(0);
            insert(6, 10);
            // the outage itself, held for 5 s (Awaitility during, a fixed observation window): capture keeps the
            // changes it cannot publish, so the slot's confirmed position stays before them all along
            await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(6)).until(() -> TestServices.column(
                    "SELECT confirmed_flush_lsn <= '" + beforeOutage + "'::pg_lsn FROM pg_replication_slots "
                            + "WHERE slot_name = 'kafka_down'").equals(List.of("t")));
            kafka = EmbeddedServices.start(k -> broker.getOrDefault(k, ""), false);

            List<ConsumerRecord<String, String>> records = TopicReader.read(bootstrap, "kdown.kafka_down.klienci", 10);
            Map<Integer, Set<Long>> lsnsById = new HashMap<>();
            for (ConsumerRecord<String, String> r : records) {
                JsonNode event = JSON.readTree(r.value());
                lsnsById.computeIfAbsent(event.at("/payload/after/id").asInt(), id -> new HashSet<>())
                        .add(event.at("/payload/source/lsn").asLong());
            }
            assertThat(lsnsById.keySet()).containsExactlyInAnyOrder(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
            assertThat(lsnsById.values()).allSatisfy(lsns -> assertThat(lsns).hasSize(1));
        } finally {
            kafka.close();
        }
    }

    private static void insert(int from, int to) throws Exception {
        try (Connection c = TestServices.connect(); Statement st = c.createStatement()) {
            for (int id = from; id <= to; id++) {
                st.execute("INSERT INTO kafka_down.klienci (id, nazwa) VALUES (" + id + ", 'Klient " + id + "')");
            }
        }
    }
}
