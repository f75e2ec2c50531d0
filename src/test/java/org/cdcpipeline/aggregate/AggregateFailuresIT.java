package org.cdcpipeline.aggregate;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.cdcpipeline.S3Objects;
import org.cdcpipeline.Samples;
import org.cdcpipeline.TestPipeline;
import org.cdcpipeline.TestServices;
import org.cdcpipeline.TopicReader;
import org.cdcpipeline.doctor.Doctor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.cdcpipeline.TestServices.execute;

/**
 * What the aggregates do when things go wrong, on the real routes, PostgreSQL, Kafka and S3: a batch the state store
 * refuses is retried until applied (and reported while it is not), a record that cannot be used goes to the
 * dead-letter topic unchanged and the aggregate moves on, and a snapshot says as of which change it is.
 */
class AggregateFailuresIT {

    private static final String SCHEMA = "agg_fail";
    private static final String STATE = "agg_fail_state";
    private static final String PREFIX = "agg-fail/";
    private static final String TOPIC = "aggfail." + SCHEMA + ".klienci";
    private static final String DEAD_LETTERS = "aggfail.aggregate-dead-letter";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path work;
    private static Map<String, String> settings;
    private static TestPipeline pipeline;

    @BeforeAll
    static void start() throws Exception {
        work = Files.createTempDirectory("agg-fail-it");
        Files.createDirectories(work.resolve("csv"));
        Files.copy(Samples.path("klienci.csv"), work.resolve("csv").resolve("klienci.csv"));
        settings = new HashMap<>(Map.of("csv.dir", work.resolve("csv").toString(), "csv.schema", SCHEMA,
                "pipeline.data-dir", work.resolve("data").toString(), "cdc.enabled", "true",
                "aggregate.enabled", "true", "aggregate.state-schema", STATE,
                "topic.prefix", "aggfail", "cdc.slot-name", SCHEMA, "cdc.publication-name", SCHEMA,
                "cdc.offset-flush-interval-ms", "200"));
        settings.putAll(Map.of("aggregate.snapshot-prefix", PREFIX, "aggregate.snapshot-interval-ms", "300",
                "aggregate.retry.initial-delay-ms", "100", "aggregate.retry.max-delay-ms", "1000",
                "jmx.enabled", "true", "jmx.port", String.valueOf(TestServices.freePort()),
                "observe.enabled", "true", "observe.port", String.valueOf(TestServices.freePort())));
        pipeline = TestPipeline.start(settings);
        await().atMost(Duration.ofSeconds(60)).until(() -> TestServices.column("SELECT count(*) FROM agg_fail.klienci")
                .equals(List.of("40")));
        awaitEqualGroupBy();
        // faults are injected into the state the pipeline writes: a statement-level trigger raises the SQLSTATEs
        // listed in agg_fail_state.faults, one per attempt, until none is left; a sequence counts attempts, since
        // a failed transaction rolls back everything else
        execute("CREATE TABLE " + STATE + ".faults (n integer PRIMARY KEY, sqlstate text NOT NULL)",
                "CREATE SEQUENCE " + STATE + ".attempts",
                """
                CREATE FUNCTION %1$s.inject_fault() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE
                  attempt bigint := nextval('%1$s.attempts');
                  state text;
                BEGIN
                  SELECT sqlstate INTO state FROM %1$s.faults WHERE n IN (attempt, 0) ORDER BY n DESC LIMIT 1;
                  IF state = 'connection' THEN
                    PERFORM pg_terminate_backend(pg_backend_pid());
                    PERFORM pg_sleep(5);
                  ELSIF state IS NOT NULL THEN
                    RAISE EXCEPTION 'injected fault %%', state USING ERRCODE = state;
                  END IF;
                  RETURN NULL;
                END $$""".formatted(STATE),
                "CREATE TRIGGER inject_fault BEFORE INSERT OR UPDATE ON " + STATE
                        + ".aggregate_rows FOR EACH STATEMENT EXECUTE FUNCTION " + STATE + ".inject_fault()");
    }

    @AfterEach
    void noFaults() throws Exception {
        execute("DELETE FROM " + STATE + ".faults");
    }

    @AfterAll
    static void stop() throws Exception {
        pipeline.close();
        TestServices.execute("SELECT pg_drop_replication_slot('" + SCHEMA + "')");
    }

    @Test
    void shouldRetryFailedBatchesUntilAppliedAndEqualGroupBy() throws Exception {
        // deadlock, serialization failure, disk full, read-only after a failover, statement timeout, connection lost
        int lettersBefore = deadLetters().size();
        execute("SELECT setval('" + STATE + ".attempts', 1, false)",
                "INSERT INTO " + STATE + ".faults VALUES (1, '40P01'), (2, '40001'), (3, '53100'), (4, '25006'), "
                        + "(5, '57014'), (6, 'connection'), (7, '40P01')");
        execute("UPDATE agg_fail.klienci SET kraj = 'Islandia' WHERE id IN (1, 2, 3)",
                "DELETE FROM agg_fail.klienci WHERE id = 4",
                "INSERT INTO agg_fail.klienci (id, nazwa, kraj) VALUES (600, 'Nowy', 'Islandia')");
        awaitEqualGroupBy();
        assertThat(TestServices.column("SELECT last_value FROM " + STATE + ".attempts")).as("every fault was met")
                .allMatch(n -> Integer.parseInt(n) >= 8);
        assertThat(current()).containsEntry("Islandia", 4L);
        assertThat(deadLetters()).as("a batch that failed is no dead letter").hasSize(lettersBefore);
    }

    @Test
    void shouldReportHealthDownWhileBatchCannotBeApplied() throws Exception {
        execute("INSERT INTO " + STATE + ".faults VALUES (0, '40P01')");
        execute("UPDATE agg_fail.klienci SET kraj = 'Grenlandia' WHERE id IN (5, 6)");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            HttpResponse<String> ready = get("/observe/health/ready");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).contains("aggregate klienci-by-country cannot apply a batch").contains("40P01");
        });
        List<String> doctor = doctor();
        assertThat(doctor).anySatisfy(line -> assertThat(line).startsWith("FAIL routes")
                .contains("klienci-by-country").contains("injected fault 40P01").contains("SQLSTATE 40P01"));
        assertThat(current()).as("not applied yet").doesNotContainKey("Grenlandia");

        execute("DELETE FROM " + STATE + ".faults");
        awaitEqualGroupBy();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(get("/observe/health/ready").statusCode()).isEqualTo(200));
        assertThat(doctor()).anySatisfy(line -> assertThat(line).startsWith("OK   routes").contains("aggregates apply their batches"))
                .noneSatisfy(line -> assertThat(line).startsWith("FAIL"));
        assertThat(current()).containsEntry("Grenlandia", 2L);
    }

    @Test
    void shouldDeadLetterUnreadableRecordAsOriginalAndMoveOn() throws Exception {
        byte[] key = "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,\"field\":\"id\"}],\"optional\":false},\"payload\":{\"id\":7}}"
                .getBytes(StandardCharsets.UTF_8);
        // a truncated envelope with a byte that is no UTF-8: it must come out exactly as it went in
        byte[] value = new byte[] {'{', '"', 's', 'c', 'h', 'e', 'm', 'a', '"', ':', (byte) 0xC3, (byte) 0x28};
        ProducerRecord<byte[], byte[]> unreadable = new ProducerRecord<>(TOPIC, null, key, value);
        unreadable.headers().add("trace-id", new byte[] {1, 2, 3});
        long offset = produce(unreadable).offset();
        execute("UPDATE agg_fail.klienci SET kraj = 'Malta' WHERE id IN (7, 8)");
        awaitEqualGroupBy();
        assertThat(current()).containsEntry("Malta", 2L);

        ConsumerRecord<byte[], byte[]> letter = awaitDeadLetters(1).get(0);
        assertThat(letter.key()).isEqualTo(key);
        assertThat(letter.value()).isEqualTo(value);
        assertThat(header(letter, "trace-id")).isEqualTo(new byte[] {1, 2, 3});
        assertThat(text(letter, "dead-letter.topic")).isEqualTo(TOPIC);
        assertThat(text(letter, "dead-letter.partition")).isEqualTo("0");
        assertThat(text(letter, "dead-letter.offset")).isEqualTo(String.valueOf(offset));
        assertThat(text(letter, "dead-letter.route")).isEqualTo("aggregate-klienci-by-country");
        assertThat(text(letter, "dead-letter.error")).startsWith("Unreadable change event at " + TOPIC + "/0@" + offset);

        // replayed as is onto its topic, it is read again like any record: still unusable, so it is dead-lettered
        // again unchanged, and the offset saved with the state passes it even though no change follows it
        ProducerRecord<byte[], byte[]> replay = new ProducerRecord<>(text(letter, "dead-letter.topic"), null,
                letter.key(), letter.value());
        replay.headers().add("trace-id", header(letter, "trace-id"));
        long replayed = produce(replay).offset();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(TestServices.column(
                "SELECT last_offset FROM " + STATE + ".aggregate_offsets WHERE aggregate = 'klienci-by-country'"))
                .containsExactly(String.valueOf(replayed)));
        List<ConsumerRecord<byte[], byte[]>> again = awaitDeadLetters(2);
        assertThat(again.get(1).value()).isEqualTo(value);
        assertThat(again.get(1).key()).isEqualTo(key);
        assertThat(text(again.get(1), "dead-letter.offset")).isEqualTo(String.valueOf(replayed));
        awaitEqualGroupBy();
    }

    @Test
    void shouldStampSnapshotWithCommitTimeOfNewestChangeIncludingDeletes() throws Exception {
        execute("INSERT INTO agg_fail.klienci (id, nazwa, kraj) VALUES (700, 'Krótki', 'Andora'), (701, 'Krótszy', 'Andora')");
        awaitEqualGroupBy();
        // the newest changes are deletes, each followed by its tombstone, likely in the same batch
        execute("DELETE FROM agg_fail.klienci WHERE id IN (700, 701, 9, 10)");
        awaitEqualGroupBy();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            long[] newest = newestChange();
            GenericRecord row = S3Objects.parquetRows(PREFIX + "klienci-by-country/current.parquet").get(0);
            assertThat((Long) row.get("__as_of_commit_time")).as("commit time of the newest change").isEqualTo(newest[0]);
            assertThat((Long) row.get("__as_of_lsn")).as("LSN of the newest change").isEqualTo(newest[1]);
        });
    }

    /** The commit time and LSN of the newest change event on the topic. */
    private static long[] newestChange() throws Exception {
        long ts = 0;
        long lsn = 0;
        for (ConsumerRecord<String, String> r : TopicReader.read(TOPIC, 1)) {
            if (r.value() == null) {
                continue;
            }
            JsonNode source;
            try {
                source = JSON.readTree(r.value()).path("payload").path("source");
            } catch (Exception e) {
                continue; // the unreadable record of the dead-letter test
            }
            ts = Math.max(ts, source.path("ts_ms").asLong());
            lsn = Math.max(lsn, source.path("lsn").asLong());
        }
        return new long[] {ts, lsn};
    }

    private static void awaitEqualGroupBy() {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(current()).isEqualTo(groupBy()));
    }

    /** klienci-by-country as a reader finds it: its current Parquet snapshot. */
    private static Map<String, Long> current() throws Exception {
        Map<String, Long> groups = new TreeMap<>();
        for (GenericRecord r : S3Objects.parquetRows(PREFIX + "klienci-by-country/current.parquet")) {
            groups.put(String.valueOf(S3Objects.value(r, "kraj")), (Long) r.get("count"));
        }
        return groups;
    }

    private static Map<String, Long> groupBy() throws Exception {
        Map<String, Long> groups = new TreeMap<>();
        try (Connection c = TestServices.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT kraj, count(*) FROM agg_fail.klienci GROUP BY kraj")) {
            while (rs.next()) {
                groups.put(String.valueOf(rs.getString(1)), rs.getLong(2));
            }
        }
        return groups;
    }

    private static RecordMetadata produce(ProducerRecord<byte[], byte[]> record) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", TestServices.endpoints().get("kafka.bootstrap-servers"));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            return producer.send(record).get();
        }
    }

    private static List<ConsumerRecord<byte[], byte[]>> awaitDeadLetters(int count) {
        List<ConsumerRecord<byte[], byte[]>> letters = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            letters.clear();
            letters.addAll(deadLetters());
            return letters.size() >= count;
        });
        assertThat(letters).hasSize(count);
        return letters;
    }

    private static List<ConsumerRecord<byte[], byte[]>> deadLetters() {
        Properties p = new Properties();
        p.put("bootstrap.servers", TestServices.endpoints().get("kafka.bootstrap-servers"));
        p.put("group.id", "test-" + UUID.randomUUID());
        p.put("auto.offset.reset", "earliest");
        p.put("allow.auto.create.topics", "false");
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(DEAD_LETTERS));
            for (int i = 0; i < 10; i++) {
                // each aggregate reading the topic sends its own letter: this test's are klienci-by-country's
                consumer.poll(Duration.ofMillis(300)).forEach(r -> {
                    if ("aggregate-klienci-by-country".equals(text(r, "dead-letter.route"))) {
                        records.add(r);
                    }
                });
            }
        }
        return records;
    }

    private static byte[] header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : h.value();
    }

    private static String text(ConsumerRecord<byte[], byte[]> record, String name) {
        byte[] value = header(record, name);
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + settings.get("observe.port") + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<String> doctor() {
        Map<String, String> overrides = new HashMap<>(TestServices.endpoints());
        overrides.putAll(settings);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Doctor.run(overrides, "routes", new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        System.out.println("doctor --component routes\n" + out);
        return out.lines().toList();
    }
}
