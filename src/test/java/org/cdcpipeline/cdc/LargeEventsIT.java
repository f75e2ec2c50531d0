package org.cdcpipeline.cdc;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.cdcpipeline.S3Objects;
import org.cdcpipeline.TestPipeline;
import org.cdcpipeline.TestServices;
import org.cdcpipeline.TopicReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.cdcpipeline.TestServices.execute;

/** Change events larger than Kafka's 1 MB default, and larger than the configured limit. */
class LargeEventsIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;

    /** The shared PostgreSQL keeps a limited number of replication slots: these tests' slots go with them. */
    @org.junit.jupiter.api.AfterAll
    static void dropSlots() throws Exception {
        execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                + "WHERE slot_name IN ('big_ev', 'over_ev', 'nodl_ev') AND NOT active");
    }

    private Map<String, String> settings(String schema, String prefix) {
        Map<String, String> s = new HashMap<>(Map.of("csv.dir", work.resolve("csv").toString(), "csv.schema", schema,
                "pipeline.data-dir", work.resolve("data").toString(), "cdc.enabled", "true", "topic.prefix", prefix,
                "cdc.slot-name", schema, "cdc.publication-name", schema, "cdc.tables", schema + "\\.dokumenty"));
        return s;
    }

    @Test
    void shouldPublishAChangeOfATwoMegabyteTextValueWithTheRowBeforeAndAfter() throws Exception {
        execute("CREATE SCHEMA big_ev", "CREATE TABLE big_ev.dokumenty (id integer PRIMARY KEY, tresc text)",
                "ALTER TABLE big_ev.dokumenty REPLICA IDENTITY FULL",
                "INSERT INTO big_ev.dokumenty VALUES (1, repeat('a', 2000000))");
        Map<String, String> settings = settings("big_ev", "bigev");
        settings.put("archive.enabled", "true");
        settings.put("archive.group-id", "bigev-archive");
        settings.put("archive.batch-max-age-ms", "1000");
        try (TestPipeline pipeline = TestPipeline.start(settings)) {
            // the row as the initial snapshot read it (an update made before the snapshot would be in it instead)
            assertThat(JSON.readTree(TopicReader.read("bigev.big_ev.dokumenty", 1).get(0).value())
                    .at("/payload/after/tresc").asText()).hasSize(2_000_000).startsWith("aaa");
            execute("UPDATE big_ev.dokumenty SET tresc = repeat('b', 2000000) WHERE id = 1");
            List<ConsumerRecord<String, String>> events = TopicReader.read("bigev.big_ev.dokumenty", 2);
            JsonNode update = JSON.readTree(events.get(1).value());
            assertThat(update.at("/payload/op").asText()).isEqualTo("u");
            assertThat(update.at("/payload/before/tresc").asText()).hasSize(2_000_000).startsWith("aaa");
            assertThat(update.at("/payload/after/tresc").asText()).hasSize(2_000_000).startsWith("bbb");
            // the archive's consumer takes the ~4 MB update whole, though its fetch size per partition is Kafka's 1 MiB
            await().atMost(Duration.ofSeconds(60)).until(() -> archivedTexts("bigev.big_ev.dokumenty").stream()
                    .anyMatch(t -> t.length() == 2_000_000 && t.startsWith("bbb")));
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                TestServices.endpoints().get("kafka.bootstrap-servers")))) {
            ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "bigev.big_ev.dokumenty");
            assertThat(admin.describeConfigs(List.of(topic)).all().get().get(topic).get("max.message.bytes").value())
                    .as("created by capture with kafka.max-message-bytes").isEqualTo("16777216");
        }
    }

    /** The tresc values of the topic's archived rows. */
    private static List<String> archivedTexts(String topic) throws Exception {
        List<String> texts = new ArrayList<>();
        for (String key : S3Objects.keys("raw-kafka-data/table=dokumenty/")) {
            if (key.contains("/" + topic + "-")) {
                S3Objects.parquetRows(key).forEach(row -> texts.add(String.valueOf(row.get("tresc"))));
            }
        }
        return texts;
    }

    @Test
    void shouldDeadLetterAnEventPastTheLimitWithItsKeyLsnAndSizeAndCaptureTheNext() throws Exception {
        execute("CREATE SCHEMA over_ev", "CREATE TABLE over_ev.dokumenty (id integer PRIMARY KEY, tresc text)",
                "ALTER TABLE over_ev.dokumenty REPLICA IDENTITY FULL");
        Map<String, String> s = settings("over_ev", "overev");
        s.put("kafka.max-message-bytes", "1048576");
        try (TestPipeline pipeline = TestPipeline.start(s)) {
            execute("INSERT INTO over_ev.dokumenty VALUES (7, repeat('x', 3000000))",
                    "INSERT INTO over_ev.dokumenty VALUES (8, 'mały')");
            List<ConsumerRecord<String, String>> letters = TopicReader.read("overev.dead-letter", 1);
            JsonNode letter = JSON.readTree(letters.get(0).value());
            assertThat(letter.path("key").asText()).contains("\"id\":7");
            assertThat(letter.path("lsn").asLong()).isPositive();
            assertThat(letter.path("txId").asLong()).isPositive();
            assertThat(letter.path("table").asText()).isEqualTo("over_ev.dokumenty");
            // inserted as capture starts: read by the snapshot or streamed
            assertThat(letter.path("op").asText()).isIn("r", "c");
            assertThat(letter.path("size").asLong()).isGreaterThan(3_000_000);
            assertThat(letter.path("error").asText()).contains("RecordTooLarge");
            List<ConsumerRecord<String, String>> events = TopicReader.read("overev.over_ev.dokumenty", 1);
            assertThat(JSON.readTree(events.get(0).value()).at("/payload/after/id").asInt()).isEqualTo(8);
        }
    }

    @Test
    void shouldReportReadinessDownNamingTheCauseWhileADeadLetterCannotBePublished() throws Exception {
        execute("CREATE SCHEMA nodl_ev", "CREATE TABLE nodl_ev.dokumenty (id integer PRIMARY KEY, tresc text)");
        Map<String, String> s = settings("nodl_ev", "nodlev");
        s.put("kafka.max-message-bytes", "1048576");
        // a topic name Kafka refuses: no dead letter can be published
        s.put("cdc.dead-letter-topic", "no such topic!");
        int port = TestServices.freePort();
        s.put("observe.enabled", "true");
        s.put("observe.port", String.valueOf(port));
        try (TestPipeline pipeline = TestPipeline.start(s)) {
            execute("INSERT INTO nodl_ev.dokumenty VALUES (1, repeat('x', 3000000))");
            HttpClient http = HttpClient.newHttpClient();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                HttpResponse<String> health = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/observe/health/ready")).build(),
                        HttpResponse.BodyHandlers.ofString());
                return health.statusCode() == 503 && health.body().contains("capture-dead-letters");
            });
        }
    }
}
