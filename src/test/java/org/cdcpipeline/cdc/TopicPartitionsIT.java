package org.cdcpipeline.cdc;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.avro.generic.GenericRecord;
import org.apache.camel.health.HealthCheck;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.cdcpipeline.S3Objects;
import org.cdcpipeline.TestPipeline;
import org.cdcpipeline.TestServices;
import org.cdcpipeline.TopicReader;
import org.cdcpipeline.doctor.Doctor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.cdcpipeline.TestServices.execute;

/**
 * Capture creates each table's topic with cdc.topic-partitions partitions, keyed by primary key so that a row's
 * changes stay in one partition; the archive stores every partition's changes once; a topic that exists with another
 * partition count is refused, not published on.
 */
class TopicPartitionsIT {

    @TempDir
    Path work;

    @AfterAll
    static void dropSlots() throws Exception {
        execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                + "WHERE slot_name IN ('parts_ev', 'parts_no') AND NOT active");
    }

    private Map<String, String> settings(String schema, String prefix) {
        return new HashMap<>(Map.of("csv.dir", work.resolve("csv").toString(), "csv.schema", schema,
                "pipeline.data-dir", work.resolve("data").toString(), "cdc.enabled", "true", "topic.prefix", prefix,
                "cdc.slot-name", schema, "cdc.publication-name", schema, "cdc.tables", schema + "\\.dokumenty",
                "cdc.topic-partitions", "3"));
    }

    @Test
    void shouldSpreadATablesChangesOverItsPartitionsWithEachRowInOne() throws Exception {
        execute("CREATE SCHEMA parts_ev", "CREATE TABLE parts_ev.dokumenty (id integer PRIMARY KEY, tresc text)",
                "INSERT INTO parts_ev.dokumenty SELECT i, 'v' || i FROM generate_series(1, 60) i");
        String topic = "partsev.parts_ev.dokumenty";
        Map<String, String> s = settings("parts_ev", "partsev");
        s.put("cdc.topic-min-insync-replicas", "1");
        s.put("archive.enabled", "true");
        s.put("archive.group-id", "partsev-archive");
        try (TestPipeline pipeline = TestPipeline.start(s); Admin admin = admin()) {
            // a consumer subscribing by name before capture created the topic would make the broker create it with one
            // partition (which capture would then refuse): read only once capture has made it
            await().atMost(Duration.ofSeconds(60)).until(() -> admin.listTopics().names().get().contains(topic));
            TopicReader.read(topic, 60); // the snapshot is published: from here on capture streams
            execute("UPDATE parts_ev.dokumenty SET tresc = tresc || '+'", "UPDATE parts_ev.dokumenty SET tresc = tresc || '+'",
                    "DELETE FROM parts_ev.dokumenty WHERE id <= 10");
            // 60 reads, 120 updates, 10 deletes each followed by its tombstone
            List<ConsumerRecord<String, String>> records = TopicReader.read(topic, 200);
            assertThat(records).hasSize(200);
            Map<String, Set<Integer>> partitionsByKey = records.stream().collect(Collectors.groupingBy(
                    ConsumerRecord::key, Collectors.mapping(ConsumerRecord::partition, Collectors.toSet())));
            assertThat(partitionsByKey).hasSize(60).allSatisfy((key, partitions) -> assertThat(partitions).hasSize(1));
            assertThat(records.stream().map(ConsumerRecord::partition).distinct()).hasSize(3);

            assertThat(admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()).hasSize(3);
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            assertThat(admin.describeConfigs(List.of(resource)).all().get().get(resource)
                    .get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG).value()).isEqualTo("1");

            // every change of every partition archived once
            Set<String> expected = records.stream().filter(r -> r.value() != null)
                    .map(r -> r.partition() + "@" + r.offset()).collect(Collectors.toSet());
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                List<String> archived = archivedPositions(topic);
                assertThat(new HashSet<>(archived)).isEqualTo(expected);
                assertThat(archived).hasSize(expected.size());
            });
        }
    }

    @Test
    void shouldCreateADeadLetterTopicWithOnePartitionAndTheSettingsReplicas() throws Exception {
        String topic = "partsdl.dead-letter";
        try (Admin admin = admin()) {
            CaptureTopics topics = new CaptureTopics(admin, 1048576, 3, -1, "1");
            topics.ensureDeadLetterTopic(topic);
            topics.ensureDeadLetterTopic(topic);
            assertThat(admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()).hasSize(1);
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            assertThat(admin.describeConfigs(List.of(resource)).all().get().get(resource)
                    .get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG).value()).isEqualTo("1048576");
            // one that exists is used as it is, whatever its partitions
            admin.createTopics(List.of(new NewTopic("partsdl.other-dead-letter", 2, (short) 1))).all().get();
            topics.ensureDeadLetterTopic("partsdl.other-dead-letter");
        }
    }

    @Test
    void shouldRefuseATopicThatExistsWithAnotherPartitionCount() throws Exception {
        execute("CREATE SCHEMA parts_no", "CREATE TABLE parts_no.dokumenty (id integer PRIMARY KEY, tresc text)",
                "INSERT INTO parts_no.dokumenty VALUES (1, 'a')");
        String topic = "partsno.parts_no.dokumenty";
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
            CaptureTopics topics = new CaptureTopics(admin, 1048576, 3, -1, "");
            assertThatThrownBy(() -> topics.ensure(List.of(topic))).isInstanceOf(TopicLayoutException.class)
                    .hasMessageContaining("has 2 partition(s)").hasMessageContaining("cdc.topic-partitions = 2");

            try (TestPipeline pipeline = TestPipeline.start(settings("parts_no", "partsno"))) {
                PublishedEvents events = pipeline.context().getRegistry().lookupByNameAndType("publishedEvents",
                        PublishedEvents.class);
                await().atMost(Duration.ofSeconds(60)).until(() -> events.handedOver() >= 1);
                // for longer than the few retries (0.5 + 1 + 2 s) after which any other failure is published record
                // by record or dead-lettered: capture still waits, the topic empty and no dead letter written
                TopicPartition p0 = new TopicPartition(topic, 0);
                TopicPartition p1 = new TopicPartition(topic, 1);
                await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    assertThat(admin.listOffsets(Map.of(p0, OffsetSpec.latest(), p1, OffsetSpec.latest())).all().get()
                            .values()).allSatisfy(end -> assertThat(end.offset()).isZero());
                    assertThat(admin.listTopics().names().get()).doesNotContain("partsno.dead-letter");
                });
                assertThat(admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()).hasSize(2);
                // readiness says why capture waits
                HealthCheck.Result topicsCheck = pipeline.context().getRegistry()
                        .lookupByNameAndType("captureTopicsHealthCheck", HealthCheck.class).call();
                assertThat(topicsCheck.getState()).isEqualTo(HealthCheck.State.DOWN);
                assertThat(topicsCheck.getMessage()).hasValueSatisfying(m -> assertThat(m)
                        .contains("Topic " + topic + " has 2 partition(s), but cdc.topic-partitions is 3"));

                Map<String, String> all = new HashMap<>(TestServices.endpoints());
                all.putAll(settings("parts_no", "partsno"));
                ByteArrayOutputStream doctor = new ByteArrayOutputStream();
                assertThat(Doctor.run(all, "kafka", new PrintStream(doctor, true, StandardCharsets.UTF_8))).isNotZero();
                assertThat(doctor.toString(StandardCharsets.UTF_8)).contains("FAIL kafka      Topic " + topic
                        + " has 2 partition(s), but cdc.topic-partitions is 3");
            }
        }
    }

    private static List<String> archivedPositions(String topic) throws Exception {
        List<String> positions = new java.util.ArrayList<>();
        for (String key : S3Objects.keys("raw-kafka-data/table=dokumenty/")) {
            if (key.contains("/" + topic + "-")) {
                for (GenericRecord row : S3Objects.parquetRows(key)) {
                    positions.add(row.get("__kafka_partition") + "@" + row.get("__kafka_offset"));
                }
            }
        }
        return positions;
    }

    private static Admin admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestServices.endpoints().get("kafka.bootstrap-servers"));
        return Admin.create(p);
    }
}
