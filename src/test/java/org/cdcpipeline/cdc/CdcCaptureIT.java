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
import org.cdcpipeline.CapturedSchema;
import org.cdcpipeline.Samples;
import org.cdcpipeline.TestPipeline;
import org.cdcpipeline.TestServices;
import org.cdcpipeline.TopicReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.cdcpipeline.TestServices.execute;

/**
 * The cdc-capture route on its real YAML file, real PostgreSQL and real Kafka, read back from the topics as any consumer
 * of Debezium's Kafka Connect output would. Each test captures a schema of its own, with its own slot, publication and
 * topics, and sets up every row it reads: no test depends on another.
 */
class CdcCaptureIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KLIENCI = "(id integer PRIMARY KEY, nazwa varchar(200) NOT NULL, email varchar(254), "
            + "kraj varchar(100), telefon varchar(50))";

    @TempDir
    Path work;

    /** One test's own captured schema with an empty klienci table whose deletes carry the whole row. */
    private record Capture(CapturedSchema schema) {

        static Capture create(String name, Path work) throws Exception {
            Capture capture = new Capture(CapturedSchema.create("cdc_it_" + name, work));
            execute("CREATE TABLE " + capture.table() + " " + KLIENCI, "ALTER TABLE " + capture.table() + " REPLICA IDENTITY FULL");
            return capture;
        }

        String name() {
            return schema.name();
        }

        String prefix() {
            return schema.topicPrefix();
        }

        String topic() {
            return schema.topic("klienci");
        }

        String table() {
            return schema.table("klienci");
        }

        Map<String, String> settings() {
            Map<String, String> s = schema.settings();
            s.putAll(Map.of("cdc.reconnect-wait-ms", "500", "cdc.heartbeat-interval-ms", "500"));
            return s;
        }

        TestPipeline start() {
            return TestPipeline.start(settings());
        }
    }

    @Test
    void shouldSnapshotExistingRowsThenStreamImportedOnes() throws Exception {
        Capture capture = Capture.create("snapshot", work);
        execute("INSERT INTO " + capture.table() + " VALUES (1001, 'Przed startem', 'a@a.pl', 'Polska', NULL), "
                + "(1002, 'Druga', NULL, 'Czechy', NULL), (1003, 'Trzecia', NULL, 'Litwa', NULL)");
        Files.createDirectories(work.resolve("csv"));
        try (TestPipeline pipeline = capture.start()) {
            Files.copy(Samples.path("klienci.csv"), work.resolve("csv").resolve("klienci.csv"));
            List<ConsumerRecord<String, String>> records = TopicReader.read(capture.topic(), 43);
            assertThat(changes(records)).hasSize(43).startsWith("r 1001", "r 1002", "r 1003", "c 1", "c 2")
                    .endsWith("c 40");

            assertThat(records.get(0).headers()).as("no pipeline-internal headers leak to Kafka").isEmpty();
            JsonNode snapshot = JSON.readTree(records.get(0).value());
            assertThat(snapshot.at("/schema/name").asText()).isEqualTo(capture.topic() + ".Envelope");
            assertThat(snapshot.at("/payload/op").asText()).isEqualTo("r");
            assertThat(snapshot.at("/payload/before").isNull()).isTrue();
            assertThat(snapshot.at("/payload/after/id").asInt()).isEqualTo(1001);
            assertThat(snapshot.at("/payload/after/nazwa").asText()).isEqualTo("Przed startem");
            assertThat(snapshot.at("/payload/source/connector").asText()).isEqualTo("postgresql");
            assertThat(snapshot.at("/payload/source/name").asText()).isEqualTo(capture.prefix());
            assertThat(snapshot.at("/payload/source/schema").asText()).isEqualTo(capture.name());
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
    void shouldPublishUpdatesAndDeletesWithBeforeImagesAndATombstone() throws Exception {
        Capture capture = Capture.create("update_delete", work);
        execute("INSERT INTO " + capture.table() + " VALUES (1001, 'Pierwsza', NULL, 'Polska', NULL), "
                + "(1002, 'Do usunięcia', NULL, 'Czechy', NULL)");
        try (TestPipeline pipeline = capture.start()) {
            TopicReader.read(capture.topic(), 2);
            execute("UPDATE " + capture.table() + " SET kraj = 'Niemcy' WHERE id = 1001",
                    "DELETE FROM " + capture.table() + " WHERE id = 1002");
            List<ConsumerRecord<String, String>> records = TopicReader.read(capture.topic(), 5);
            assertThat(changes(records)).containsExactly("r 1001", "r 1002", "u 1001", "d 1002", "tombstone 1002");

            JsonNode update = JSON.readTree(records.get(2).value());
            assertThat(update.at("/payload/before/kraj").asText()).isEqualTo("Polska");
            assertThat(update.at("/payload/after/kraj").asText()).isEqualTo("Niemcy");

            JsonNode delete = JSON.readTree(records.get(3).value());
            assertThat(delete.at("/payload/before/id").asInt()).isEqualTo(1002);
            assertThat(delete.at("/payload/after").isNull()).isTrue();

            ConsumerRecord<String, String> tombstone = records.get(4);
            assertThat(tombstone.value()).isNull();
            assertThat(tombstone.key()).isEqualTo(records.get(3).key());
        }
    }

    @Test
    void shouldPublishExactlyTheChangesMadeWhileStoppedWithoutANewSnapshot() throws Exception {
        Capture capture = Capture.create("stopped", work);
        execute("INSERT INTO " + capture.table() + " VALUES (1003, 'Trzecia', NULL, 'Litwa', NULL)");
        try (TestPipeline pipeline = capture.start()) {
            assertThat(changes(TopicReader.read(capture.topic(), 1))).containsExactly("r 1003");
        }
        execute("INSERT INTO " + capture.table() + " VALUES (1004, 'Gdy stał', NULL, 'Polska', NULL)",
                "UPDATE " + capture.table() + " SET nazwa = 'Trzecia zmieniona' WHERE id = 1003");
        try (TestPipeline pipeline = capture.start()) {
            List<ConsumerRecord<String, String>> records = TopicReader.read(capture.topic(), 3);
            assertThat(changes(records)).containsExactly("r 1003", "c 1004", "u 1003");
            assertThat(JSON.readTree(records.get(1).value()).at("/payload/after/id").asInt()).isEqualTo(1004);
            assertThat(JSON.readTree(records.get(2).value()).at("/payload/after/nazwa").asText())
                    .isEqualTo("Trzecia zmieniona");
        }
    }

    @Test
    void shouldRecoverWithoutLossWhenTheWalsenderIsKilled() throws Exception {
        Capture capture = Capture.create("walsender", work);
        execute("INSERT INTO " + capture.table() + " VALUES (1004, 'Przed startem', NULL, 'Polska', NULL)");
        try (TestPipeline pipeline = capture.start()) {
            TopicReader.read(capture.topic(), 1); // the snapshot is published: from here on capture streams
            execute("INSERT INTO " + capture.table() + " VALUES (1005, 'Przed przerwą', NULL, 'Polska', NULL)");
            TopicReader.read(capture.topic(), 2);
            execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = '"
                            + capture.name() + "'",
                    "INSERT INTO " + capture.table() + " VALUES (1006, 'W czasie przerwy', NULL, 'Polska', NULL)",
                    "UPDATE " + capture.table() + " SET kraj = 'Austria' WHERE id = 1005");
            List<String> changes = changes(TopicReader.read(capture.topic(), 4));
            assertThat(changes.subList(1, changes.size())).containsSubsequence("c 1005", "c 1006", "u 1005")
                    .containsOnly("c 1005", "c 1006", "u 1005");
        }
    }

    @Test
    void shouldSendAnEventKafkaRefusesToTheDeadLetterTopicAndGoOn() throws Exception {
        Capture capture = Capture.create("too_large", work);
        execute("INSERT INTO " + capture.table() + " VALUES (1006, 'Przed zmianą tabeli', NULL, 'Polska', NULL)");
        Map<String, String> oneMegabyte = capture.settings();
        oneMegabyte.put("kafka.max-message-bytes", "1048576");
        try (TestPipeline pipeline = TestPipeline.start(oneMegabyte)) {
            TopicReader.read(capture.topic(), 1); // the snapshot is published: from here on capture streams
            // a column added while capturing, then a row larger than capture publishes in one record
            execute("ALTER TABLE " + capture.table() + " ADD COLUMN uwagi text",
                    "INSERT INTO " + capture.table() + " VALUES (1007, 'Za duży', NULL, 'Polska', NULL, repeat('x', 1200000))",
                    "INSERT INTO " + capture.table() + " VALUES (1008, 'Po za dużym', NULL, 'Polska', NULL, 'krótko')");
            List<ConsumerRecord<String, String>> letters = TopicReader.read(capture.prefix() + ".dead-letter", 1);
            assertThat(letters).as("only the refused event is a dead letter").hasSize(1);
            JsonNode letter = JSON.readTree(letters.get(0).value());
            assertThat(letter.get("topic").asText()).isEqualTo(capture.topic());
            assertThat(letter.get("error").asText()).contains("RecordTooLarge");
            assertThat(letter.get("event").asText()).contains("1007").contains("cut");
            List<ConsumerRecord<String, String>> records = TopicReader.read(capture.topic(), 2);
            // capture publishes at least once: the row after the refused one may come twice, the refused one never
            assertThat(changes(records)).startsWith("r 1006").contains("c 1008").doesNotContain("c 1007");
            assertThat(JSON.readTree(records.get(records.size() - 1).value()).at("/payload/after/uwagi").asText())
                    .isEqualTo("krótko");
        }
    }

    @Test
    void shouldLetTheSlotAdvanceWhileOnlyTablesOutsideTheCaptureChange() throws Exception {
        Capture capture = Capture.create("slot_advance", work);
        String other = capture.name() + "_other";
        execute("CREATE SCHEMA " + other, "CREATE TABLE " + other + ".log (id serial PRIMARY KEY, pad text)");
        try (TestPipeline pipeline = capture.start()) {
            execute("INSERT INTO " + capture.table() + " VALUES (1, 'Ostatnia zmiana', NULL, 'Polska', NULL)");
            TopicReader.read(capture.topic(), 1);
            // no captured change from here on: only the heartbeat's messages can move the slot
            execute("INSERT INTO " + other + ".log (pad) SELECT repeat('x', 100) FROM generate_series(1, 20000)");
            String written = TestServices.column("SELECT pg_current_wal_lsn()::text").get(0);
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(TestServices.column(
                    "SELECT confirmed_flush_lsn >= '" + written + "'::pg_lsn FROM pg_replication_slots WHERE slot_name = '"
                            + capture.name() + "'")).containsExactly("t"));
            assertThat(TestServices.column("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '"
                    + capture.name() + "' AND active")).containsExactly("1");
        }
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", TestServices.endpoints().get("kafka.bootstrap-servers")))) {
            assertThat(admin.listTopics().names().get()).as("the heartbeat's messages are not published")
                    .contains(capture.topic()).doesNotContain(capture.prefix() + ".message");
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
