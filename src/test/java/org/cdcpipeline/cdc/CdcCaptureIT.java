package org.cdcpipeline.cdc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.cdcpipeline.Samples;
import org.cdcpipeline.TestPipeline;
import org.cdcpipeline.TestServices;
import org.cdcpipeline.TopicReader;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.cdcpipeline.TestServices.execute;

/**
 * The cdc-capture route on its real YAML file, real PostgreSQL and real Kafka: the story of one table from snapshot
 * to stop and restart, read back from its topic as any consumer of Debezium's Kafka Connect output would.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CdcCaptureIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCHEMA = "cdc_it";
    private static final String TOPIC = "cdcit.cdc_it.klienci";

    @TempDir
    static Path work;

    private static Map<String, String> settings() {
        return Map.of("csv.dir", work.resolve("csv").toString(), "csv.schema", SCHEMA,
                "pipeline.data-dir", work.resolve("data").toString(), "cdc.enabled", "true",
                "topic.prefix", "cdcit", "cdc.slot-name", "cdc_it", "cdc.publication-name", "cdc_it",
                "cdc.offset-flush-interval-ms", "200", "cdc.reconnect-wait-ms", "500", "cdc.heartbeat-interval-ms", "500");
    }

    @Test
    @Order(1)
    void shouldSnapshotExistingRowsThenStreamImportedOnes() throws Exception {
        execute("CREATE SCHEMA " + SCHEMA,
                "CREATE TABLE " + SCHEMA + ".klienci (id integer PRIMARY KEY, nazwa varchar(200) NOT NULL, email varchar(254), "
                        + "kraj varchar(100), telefon varchar(50))",
                "ALTER TABLE " + SCHEMA + ".klienci REPLICA IDENTITY FULL",
                "INSERT INTO " + SCHEMA + ".klienci VALUES (1001, 'Przed startem', 'a@a.pl', 'Polska', NULL), "
                        + "(1002, 'Do usunięcia', NULL, 'Czechy', NULL), (1003, 'Trzecia', NULL, 'Litwa', NULL)");
        Files.createDirectories(work.resolve("csv"));
        try (TestPipeline pipeline = TestPipeline.start(settings())) {
            Files.copy(Samples.path("klienci.csv"), work.resolve("csv").resolve("klienci.csv"));
            List<ConsumerRecord<String, String>> records = TopicReader.read(TOPIC, 43);
            assertThat(changes(records)).hasSize(43).startsWith("r 1001", "r 1002", "r 1003", "c 1", "c 2")
                    .endsWith("c 40");

            assertThat(records.get(0).headers()).as("no pipeline-internal headers leak to Kafka").isEmpty();
            JsonNode snapshot = JSON.readTree(records.get(0).value());
            assertThat(snapshot.at("/schema/name").asText()).isEqualTo("cdcit.cdc_it.klienci.Envelope");
            assertThat(snapshot.at("/payload/op").asText()).isEqualTo("r");
            assertThat(snapshot.at("/payload/before").isNull()).isTrue();
            assertThat(snapshot.at("/payload/after/id").asInt()).isEqualTo(1001);
            assertThat(snapshot.at("/payload/after/nazwa").asText()).isEqualTo("Przed startem");
            assertThat(snapshot.at("/payload/source/connector").asText()).isEqualTo("postgresql");
            assertThat(snapshot.at("/payload/source/name").asText()).isEqualTo("cdcit");
            assertThat(snapshot.at("/payload/source/schema").asText()).isEqualTo(SCHEMA);
            assertThat(snapshot.at("/payload/source/table").asText()).isEqualTo("klienci");
            assertThat(snapshot.at("/payload/source/snapshot").asText()).isIn("first", "true", "first_in_data_collection");
            assertThat(snapshot.at("/payload/ts_ms").asLong()).isPositive();
            assertThat(JSON.readTree(records.get(0).key()).at("/payload/id").asInt()).isEqualTo(1001);
            assertThat(JSON.readTree(records.get(0).key()).at("/schema/type").asText()).isEqualTo("struct");

            JsonNode imported = JSON.readTree(records.get(3).value());
            assertThat(imported.at("/payload/op").asText()).isEqualTo("c");
            assertThat(imported.at("/payload/after/id").asInt()).isEqualTo(1);
            assertThat(imported.at("/payload/after/telefon").asText()).isEqualTo("+48 600 123 456");
            assertThat(imported.at("/payload/source/lsn").asLong()).isPositive();
            assertThat(imported.at("/payload/source/txId").asLong()).isPositive();
        }
    }

    @Test
    @Order(2)
    void shouldPublishUpdatesAndDeletesWithBeforeImagesAndATombstone() throws Exception {
        try (TestPipeline pipeline = TestPipeline.start(settings())) {
            execute("UPDATE " + SCHEMA + ".klienci SET kraj = 'Niemcy' WHERE id = 1001",
                    "DELETE FROM " + SCHEMA + ".klienci WHERE id = 1002");
            List<ConsumerRecord<String, String>> records = TopicReader.read(TOPIC, 46);
            assertThat(changes(records).subList(43, records.size())).containsExactly("u 1001", "d 1002", "tombstone 1002");

            JsonNode update = JSON.readTree(records.get(43).value());
            assertThat(update.at("/payload/op").asText()).isEqualTo("u");
            assertThat(update.at("/payload/before/kraj").asText()).isEqualTo("Polska");
            assertThat(update.at("/payload/after/kraj").asText()).isEqualTo("Niemcy");

            JsonNode delete = JSON.readTree(records.get(44).value());
            assertThat(delete.at("/payload/op").asText()).isEqualTo("d");
            assertThat(delete.at("/payload/before/id").asInt()).isEqualTo(1002);
            assertThat(delete.at("/payload/after").isNull()).isTrue();

            ConsumerRecord<String, String> tombstone = records.get(45);
            assertThat(tombstone.value()).isNull();
            assertThat(tombstone.key()).isEqualTo(records.get(44).key());
        }
    }

    @Test
    @Order(3)
    void shouldPublishExactlyTheChangesMadeWhileStoppedWithoutANewSnapshot() throws Exception {
        execute("INSERT INTO " + SCHEMA + ".klienci VALUES (1004, 'Gdy stał', NULL, 'Polska', NULL)",
                "UPDATE " + SCHEMA + ".klienci SET nazwa = 'Trzecia zmieniona' WHERE id = 1003");
        try (TestPipeline pipeline = TestPipeline.start(settings())) {
            List<ConsumerRecord<String, String>> records = TopicReader.read(TOPIC, 48);
            assertThat(changes(records).subList(46, records.size())).containsExactly("c 1004", "u 1003");
            JsonNode insert = JSON.readTree(records.get(46).value());
            assertThat(insert.at("/payload/op").asText()).isEqualTo("c");
            assertThat(insert.at("/payload/after/id").asInt()).isEqualTo(1004);
            JsonNode update = JSON.readTree(records.get(47).value());
            assertThat(update.at("/payload/op").asText()).isEqualTo("u");
            assertThat(update.at("/payload/after/nazwa").asText()).isEqualTo("Trzecia zmieniona");
        }
    }

    @Test
    @Order(4)
    void shouldRecoverWithoutLossWhenTheWalsenderIsKilled() throws Exception {
        try (TestPipeline pipeline = TestPipeline.start(settings())) {
            execute("INSERT INTO " + SCHEMA + ".klienci VALUES (1005, 'Przed przerwą', NULL, 'Polska', NULL)");
            TopicReader.read(TOPIC, 49);
            execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = 'cdc_it'",
                    "INSERT INTO " + SCHEMA + ".klienci VALUES (1006, 'W czasie przerwy', NULL, 'Polska', NULL)",
                    "UPDATE " + SCHEMA + ".klienci SET kraj = 'Austria' WHERE id = 1005");
            List<String> changes = changes(TopicReader.read(TOPIC, 51));
            assertThat(changes.subList(48, changes.size())).containsSubsequence("c 1005", "c 1006", "u 1005");
            assertThat(changes.subList(48, changes.size())).containsOnly("c 1005", "c 1006", "u 1005");
        }
    }

    @Test
    @Order(5)
    void shouldSendAnEventKafkaRefusesToTheDeadLetterTopicAndGoOn() throws Exception {
        Map<String, String> oneMegabyte = new java.util.HashMap<>(settings());
        oneMegabyte.put("kafka.max-message-bytes", "1048576");
        try (TestPipeline pipeline = TestPipeline.start(oneMegabyte)) {
            // a column added while capturing, then a row larger than capture publishes in one record
            execute("ALTER TABLE " + SCHEMA + ".klienci ADD COLUMN uwagi text",
                    "INSERT INTO " + SCHEMA + ".klienci VALUES (1007, 'Za duży', NULL, 'Polska', NULL, repeat('x', 1200000))",
                    "INSERT INTO " + SCHEMA + ".klienci VALUES (1008, 'Po za dużym', NULL, 'Polska', NULL, 'krótko')");
            List<ConsumerRecord<String, String>> letters = TopicReader.read("cdcit.dead-letter", 1);
            assertThat(letters).as("only the refused event is a dead letter").hasSize(1);
            JsonNode letter = JSON.readTree(letters.get(0).value());
            assertThat(letter.get("topic").asText()).isEqualTo(TOPIC);
            assertThat(letter.get("error").asText()).contains("RecordTooLarge");
            assertThat(letter.get("event").asText()).contains("1007").contains("cut");
            List<ConsumerRecord<String, String>> records = TopicReader.read(TOPIC, 52);
            assertThat(changes(records)).contains("c 1008").doesNotContain("c 1007");
            assertThat(JSON.readTree(records.get(records.size() - 1).value()).at("/payload/after/uwagi").asText())
                    .isEqualTo("krótko");
        }
    }

    @Test
    @Order(6)
    void shouldLetTheSlotAdvanceWhileOnlyTablesOutsideTheCaptureChange() throws Exception {
        execute("CREATE SCHEMA cdc_it_other", "CREATE TABLE cdc_it_other.log (id serial PRIMARY KEY, pad text)");
        try (TestPipeline pipeline = TestPipeline.start(settings())) {
            // no captured change since the start: only the heartbeat's messages can move the slot
            execute("INSERT INTO cdc_it_other.log (pad) SELECT repeat('x', 100) FROM generate_series(1, 20000)");
            String written = TestServices.column("SELECT pg_current_wal_lsn()::text").get(0);
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(TestServices.column(
                    "SELECT confirmed_flush_lsn >= '" + written + "'::pg_lsn FROM pg_replication_slots WHERE slot_name = 'cdc_it'"))
                    .containsExactly("t"));
            assertThat(TestServices.column("SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'cdc_it' AND active"))
                    .containsExactly("1");
        }
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", TestServices.endpoints().get("kafka.bootstrap-servers")))) {
            assertThat(admin.listTopics().names().get()).as("the heartbeat's messages are not published")
                    .contains(TOPIC).doesNotContain("cdcit.message");
        }
    }

    /** Each record as "op id" (or "tombstone id"), to compare whole sequences. */
    private static List<String> changes(List<ConsumerRecord<String, String>> records) throws Exception {
        List<String> changes = new java.util.ArrayList<>();
        for (ConsumerRecord<String, String> r : records) {
            String id = JSON.readTree(r.key()).at("/payload/id").asText();
            changes.add(r.value() == null ? "tombstone " + id : JSON.readTree(r.value()).at("/payload/op").asText() + " " + id);
        }
        return changes;
    }

}
