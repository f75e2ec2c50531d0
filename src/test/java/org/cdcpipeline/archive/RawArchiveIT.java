package org.cdcpipeline.archive;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.cdcpipeline.Samples;
import org.cdcpipeline.StartupException;
import org.cdcpipeline.TcpProxy;
import org.cdcpipeline.TestPipeline;
import org.cdcpipeline.TestServices;
import org.cdcpipeline.TopicReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.cdcpipeline.TestServices.execute;

/**
 * The raw-archive route on its real YAML file, with real PostgreSQL, Kafka and S3 servers: CSV import and changes
 * captured by cdc-capture, archived as Parquet objects, read back with a Parquet reader.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RawArchiveIT {

    private static final String SCHEMA = "arch_it";
    private static final String TOPIC = "archit.arch_it.klienci";
    private static final String TYPES_TOPIC = "archit.arch_it.typy";
    private static final Pattern NAME = Pattern.compile(
            "raw-kafka-data/table=klienci/date=(\\d{4}-\\d{2}-\\d{2})/" + Pattern.quote(TOPIC) + "-0-(\\d+)-(\\d+)\\.parquet");

    @TempDir
    static Path work;

    private static final ArchiveReader archive = new ArchiveReader();

    private static Map<String, String> settings() {
        Map<String, String> s = new HashMap<>(Map.of("csv.dir", work.resolve("csv").toString(), "csv.schema", SCHEMA,
                "pipeline.data-dir", work.resolve("data").toString(), "cdc.enabled", "true",
                "topic.prefix", "archit", "cdc.slot-name", "arch_it", "cdc.publication-name", "arch_it",
                "cdc.tables", SCHEMA + ".klienci," + SCHEMA + ".typy", "cdc.offset-flush-interval-ms", "200"));
        s.put("archive.enabled", "true");
        s.put("archive.group-id", "archive-it");
        s.put("archive.batch-max-age-ms", "1000");
        s.put("archive.retry.initial-delay-ms", "200");
        s.put("archive.retry.max-delay-ms", "1000");
        return s;
    }

    @AfterAll
    static void closeReader() {
        archive.close();
    }

    @Test
    @Order(1)
    void shouldArchiveEveryImportedAndChangedRowOnceUnderItsDocumentedNameWithinTheMaxAge() throws Exception {
        execute("CREATE SCHEMA " + SCHEMA,
                "CREATE TABLE " + SCHEMA + ".typy (id integer PRIMARY KEY, duza bigint, mala smallint, kwota numeric(12,2), "
                        + "opis text, aktywny boolean, dzien date, chwila timestamp, moment timestamptz, ulamek double precision)");
        Files.createDirectories(work.resolve("csv"));
        try (TestPipeline pipeline = TestPipeline.start(settings())) {
            Files.copy(Samples.path("klienci.csv"), work.resolve("csv").resolve("klienci.csv"));
            TopicReader.read(TOPIC, 40);
            execute("ALTER TABLE " + SCHEMA + ".klienci REPLICA IDENTITY FULL",
                    "UPDATE " + SCHEMA + ".klienci SET kraj = 'Niemcy' WHERE id = 1",
                    "DELETE FROM " + SCHEMA + ".klienci WHERE id = 2",
                    "INSERT INTO " + SCHEMA + ".typy VALUES (7, 9000000000, 12, 1234.56, 'zażółć', true, '2025-03-14', "
                            + "'2025-03-14 10:15:30.123456', '2025-03-14 10:15:30+01', 2.5)");
            // batch size 10,000: these objects are written only because a batch reaches its max age (1 s)
            await().atMost(Duration.ofSeconds(30)).until(() -> archive.allRows("klienci", TOPIC).size() >= 42
                    && !archive.keys("typy", TYPES_TOPIC).isEmpty());
        }

        List<GenericRecord> rows = archive.allRows("klienci", TOPIC);
        assertThat(rows.stream().map(RawArchiveIT::change).toList()).hasSize(42).doesNotHaveDuplicates()
                .contains("u 1", "d 2");
        // rows the import commits while the snapshot runs arrive as snapshot reads (r), the others as inserts (c)
        assertThat(rows.stream().filter(r -> !"u".equals(r.get("__op").toString()) && !"d".equals(r.get("__op").toString()))
                .map(r -> (Integer) r.get("id")).sorted().toList())
                .isEqualTo(java.util.stream.IntStream.rangeClosed(1, 40).boxed().toList());
        assertThat(rows.stream().map(r -> (Long) r.get("__kafka_offset")).toList())
                .as("every offset once, in order").isEqualTo(java.util.stream.LongStream.range(0, 42).boxed().toList());

        GenericRecord update = rows.stream().filter(r -> change(r).equals("u 1")).findFirst().orElseThrow();
        assertThat(update.get("kraj").toString()).isEqualTo("Niemcy");
        assertThat(update.get("__deleted")).isEqualTo(false);
        assertThat((Long) update.get("__lsn")).isPositive();
        assertThat((Long) update.get("__tx_id")).isPositive();
        assertThat((Long) update.get("__source_ts_ms")).isPositive();
        assertThat(update.get("__kafka_partition")).isEqualTo(0);

        GenericRecord delete = rows.stream().filter(r -> change(r).equals("d 2")).findFirst().orElseThrow();
        assertThat(delete.get("__deleted")).isEqualTo(true);
        assertThat(delete.get("nazwa")).as("a delete carries the before-image").isNotNull();

        long covered = -1;
        for (String key : archive.keys("klienci", TOPIC)) {
            Matcher m = NAME.matcher(key);
            assertThat(m.matches()).as(key).isTrue();
            List<GenericRecord> objectRows = archive.rows(key);
            assertThat(Long.parseLong(m.group(2))).as("objects follow each other without gap or overlap: " + key)
                    .isEqualTo(covered + 1);
            assertThat((Long) objectRows.get(0).get("__kafka_offset")).isGreaterThanOrEqualTo(Long.parseLong(m.group(2)));
            assertThat(objectRows.get(objectRows.size() - 1).get("__kafka_offset")).isEqualTo(Long.parseLong(m.group(3)));
            covered = Long.parseLong(m.group(3));
            assertThat(m.group(1)).as("the first change's commit date").isEqualTo(LocalDate.ofInstant(
                    Instant.ofEpochMilli((Long) objectRows.get(0).get("__source_ts_ms")), ZoneOffset.UTC).toString());
        }

        GenericRecord typed = archive.allRows("typy", TYPES_TOPIC).get(0);
        Schema schema = typed.getSchema();
        assertThat(type(schema, "id")).isEqualTo(Schema.Type.INT);
        assertThat(type(schema, "mala")).isEqualTo(Schema.Type.INT);
        assertThat(type(schema, "duza")).isEqualTo(Schema.Type.LONG);
        assertThat(type(schema, "aktywny")).isEqualTo(Schema.Type.BOOLEAN);
        assertThat(type(schema, "ulamek")).isEqualTo(Schema.Type.DOUBLE);
        assertThat(logical(schema, "kwota")).isEqualTo(LogicalTypes.decimal(12, 2));
        assertThat(logical(schema, "dzien")).isEqualTo(LogicalTypes.date());
        assertThat(logical(schema, "chwila")).isEqualTo(LogicalTypes.localTimestampMicros());
        assertThat(logical(schema, "moment")).isEqualTo(LogicalTypes.timestampMicros());
        assertThat(typed.get("duza")).isEqualTo(9_000_000_000L);
        assertThat(typed.get("mala")).isEqualTo(12);
        assertThat(ChangeEventParser.decimal((ByteBuffer) typed.get("kwota"), 2)).isEqualTo(new BigDecimal("1234.56"));
        assertThat(typed.get("opis").toString()).isEqualTo("zażółć");
        assertThat(typed.get("dzien")).isEqualTo((int) LocalDate.of(2025, 3, 14).toEpochDay());
        assertThat(typed.get("chwila")).isEqualTo(1741947330123456L);
        assertThat(typed.get("moment")).isEqualTo(Instant.parse("2025-03-14T09:15:30Z").toEpochMilli() * 1000);
        assertThat(typed.get("ulamek")).isEqualTo(2.5);
    }

    @Test
    @Order(2)
    void shouldNeitherDuplicateNorLoseRowsWhenRestartedAfterUploadButBeforeCommitAndWhenCaptureReplays() throws Exception {
        // the state a crash between upload and commit leaves: objects in S3, the group's offsets behind them
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                TestServices.endpoints().get("kafka.bootstrap-servers")))) {
            admin.alterConsumerGroupOffsets("archive-it", Map.of(new TopicPartition(TOPIC, 0), new OffsetAndMetadata(0),
                    new TopicPartition(TYPES_TOPIC, 0), new OffsetAndMetadata(0))).all().get();
        }
        // capture replaying a change after its own crash: the same event once more on the topic
        ConsumerRecord<String, String> original = TopicReader.read(TOPIC, 42).stream()
                .filter(r -> r.value() != null && r.value().contains("\"op\":\"u\"")).findFirst().orElseThrow();
        Properties p = new Properties();
        p.put("bootstrap.servers", TestServices.endpoints().get("kafka.bootstrap-servers"));
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(TOPIC, original.key(), original.value())).get();
        }
        List<String> objectsBefore = archive.keys("klienci", TOPIC);

        try (TestPipeline pipeline = TestPipeline.start(settings())) {
            execute("INSERT INTO " + SCHEMA + ".klienci VALUES (1001, 'Po restarcie', NULL, 'Polska', NULL)");
            await().atMost(Duration.ofSeconds(30)).until(() -> archive.allRows("klienci", TOPIC).stream()
                    .anyMatch(r -> change(r).equals("c 1001")));
        }
        List<String> changes = archive.allRows("klienci", TOPIC).stream().map(RawArchiveIT::change).toList();
        assertThat(changes).hasSize(43).doesNotHaveDuplicates().contains("u 1", "d 2", "c 1001");
        assertThat(archive.keys("klienci", TOPIC)).startsWith(objectsBefore.toArray(String[]::new));
        assertThat(archive.allRows("typy", TYPES_TOPIC)).hasSize(1);
    }

    @Test
    @Order(3)
    void shouldArchiveAColumnAddedToTheTableInNewObjectsWhileOldOnesStayReadable() throws Exception {
        try (TestPipeline pipeline = TestPipeline.start(settings())) {
            execute("ALTER TABLE " + SCHEMA + ".klienci ADD COLUMN uwagi text",
                    "INSERT INTO " + SCHEMA + ".klienci VALUES (1002, 'Z uwagami', NULL, 'Polska', NULL, 'ważny klient')");
            await().atMost(Duration.ofSeconds(30)).until(() -> archive.allRows("klienci", TOPIC).stream()
                    .anyMatch(r -> change(r).equals("c 1002")));
        }
        List<String> keys = archive.keys("klienci", TOPIC);
        GenericRecord added = archive.rows(keys.get(keys.size() - 1)).stream()
                .filter(r -> change(r).equals("c 1002")).findFirst().orElseThrow();
        assertThat(added.get("uwagi").toString()).isEqualTo("ważny klient");
        assertThat(archive.rows(keys.get(0)).get(0).getSchema().getField("uwagi")).isNull();
        assertThat(archive.allRows("klienci", TOPIC)).hasSize(44);
    }

    @Test
    @Order(4)
    void shouldLoseNothingWhileS3IsDownAndWriteTheBatchOnceItIsBack() throws Exception {
        int s3Port = Integer.parseInt(TestServices.endpoints().get("s3.endpoint").replaceAll(".*:", ""));
        try (TcpProxy proxy = new TcpProxy(s3Port)) {
            proxy.up();
            Map<String, String> s = settings();
            s.put("s3.endpoint", "http://127.0.0.1:" + proxy.port());
            try (TestPipeline pipeline = TestPipeline.start(s)) {
                execute("INSERT INTO " + SCHEMA + ".klienci VALUES (1003, 'Przed awarią S3', NULL, 'Polska', NULL, NULL)");
                await().atMost(Duration.ofSeconds(30)).until(() -> archive.allRows("klienci", TOPIC).size() == 45);
                proxy.down();
                execute("UPDATE " + SCHEMA + ".klienci SET kraj = 'Litwa' WHERE id = 3");
                TopicReader.read(TOPIC, 47);
                // several upload attempts fail meanwhile (max age 1 s, retries every 0.2-1 s)
                await().pollDelay(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(10)).until(() -> true);
                assertThat(archive.allRows("klienci", TOPIC)).hasSize(45);
                proxy.up();
                await().atMost(Duration.ofSeconds(60)).until(() -> archive.allRows("klienci", TOPIC).size() >= 46);
            }
        }
        List<String> changes = archive.allRows("klienci", TOPIC).stream().map(RawArchiveIT::change).toList();
        assertThat(changes).hasSize(46).doesNotHaveDuplicates().contains("c 1003", "u 3");
    }

    @Test
    @Order(5)
    void shouldRefuseToStartWithOneClearLineWhenTheKeysAreWrongOrTheBucketIsMissing() {
        Map<String, String> e = TestServices.endpoints();
        String endpoint = e.get("s3.endpoint");
        try (var client = S3ArchiveObjects.client(endpoint, "us-east-1", e.get("s3.access-key"), "wrong-secret")) {
            assertThatThrownBy(() -> new S3ArchiveObjects(client, "processed-data").requireBucket(endpoint))
                    .isInstanceOf(StartupException.class).hasMessageContaining("S3_SECRET_KEY");
        }
        try (var client = S3ArchiveObjects.client(endpoint, "us-east-1", e.get("s3.access-key"), e.get("s3.secret-key"))) {
            assertThatThrownBy(() -> new S3ArchiveObjects(client, "no-such-bucket").requireBucket(endpoint))
                    .isInstanceOf(StartupException.class).hasMessageContaining("does not exist")
                    .hasMessageContaining("S3_BUCKET");
        }
        Map<String, String> s = settings();
        s.put("s3.secret-key", "wrong-secret");
        assertThat(TestPipeline.runOnce(s)).as("the pipeline does not start").isEqualTo(1);
    }

    @Test
    @Order(6)
    void shouldResumeFromTheBucketWhenKafkasCommittedOffsetsRunAheadOfIt() throws Exception {
        // the state camel-kafka's own commits used to leave: the group's offsets at the end of the topics, while the
        // last batch never reached the bucket
        List<String> keys = archive.keys("klienci", TOPIC);
        String lost = keys.get(keys.size() - 1);
        List<String> lostChanges = archive.rows(lost).stream().map(RawArchiveIT::change).toList();
        archive.delete(lost);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                TestServices.endpoints().get("kafka.bootstrap-servers")))) {
            long end = TopicReader.read(TOPIC, 1).isEmpty() ? 0 : admin.listOffsets(Map.of(new TopicPartition(TOPIC, 0),
                    org.apache.kafka.clients.admin.OffsetSpec.latest())).all().get().get(new TopicPartition(TOPIC, 0)).offset();
            admin.alterConsumerGroupOffsets("archive-it", Map.of(new TopicPartition(TOPIC, 0), new OffsetAndMetadata(end)))
                    .all().get();
        }
        try (TestPipeline pipeline = TestPipeline.start(settings())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> archive.allRows("klienci", TOPIC).size() == 46);
        }
        List<String> changes = archive.allRows("klienci", TOPIC).stream().map(RawArchiveIT::change).toList();
        assertThat(changes).hasSize(46).doesNotHaveDuplicates().containsAll(lostChanges);
    }

    @Test
    @Order(7)
    void shouldDeadLetterARecordThatIsNoChangeEventAsItCameAndArchiveTheChangesAfterIt() throws Exception {
        String deadLetters = "archit.archive-dead-letter";
        Properties p = new Properties();
        p.put("bootstrap.servers", TestServices.endpoints().get("kafka.bootstrap-servers"));
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(TOPIC, "{\"id\":\"x\"}", "this is not a change event")).get();
        }
        try (TestPipeline pipeline = TestPipeline.start(settings())) {
            execute("INSERT INTO " + SCHEMA + ".klienci VALUES (1004, 'Po złym rekordzie', NULL, 'Polska', NULL, NULL)");
            await().atMost(Duration.ofSeconds(30)).until(() -> archive.allRows("klienci", TOPIC).stream()
                    .anyMatch(r -> change(r).equals("c 1004")));
        }
        List<ConsumerRecord<String, String>> letters = TopicReader.read(deadLetters, 1);
        assertThat(letters).hasSize(1);
        ConsumerRecord<String, String> letter = letters.get(0);
        assertThat(letter.key()).isEqualTo("{\"id\":\"x\"}");
        assertThat(letter.value()).isEqualTo("this is not a change event");
        assertThat(new String(letter.headers().lastHeader("pipeline.source-topic").value())).isEqualTo(TOPIC);
        assertThat(new String(letter.headers().lastHeader("pipeline.error").value())).contains("not a JSON change event");
        assertThat(archive.allRows("klienci", TOPIC).stream().map(RawArchiveIT::change).toList()).hasSize(47)
                .doesNotHaveDuplicates();
    }

    @Test
    @Order(8)
    void shouldArchiveATableWhoseNameIsNoSafeKeyPartAndWhoseColumnIsNamedLikeMetadata() throws Exception {
        execute("CREATE TABLE " + SCHEMA + ".\"a.b\" (id integer PRIMARY KEY, __op text, \"x-y\" text, x_y text)",
                "ALTER TABLE " + SCHEMA + ".\"a.b\" REPLICA IDENTITY FULL");
        Map<String, String> s = settings();
        s.put("cdc.tables", SCHEMA + "\\..*");
        try (TestPipeline pipeline = TestPipeline.start(s)) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(2)).until(() -> {
                execute("INSERT INTO " + SCHEMA + ".\"a.b\" VALUES (1, 'zródło', 'myślnik', 'podkreślnik') "
                        + "ON CONFLICT (id) DO UPDATE SET __op = EXCLUDED.__op || '.'");
                return !archive.keys("a%2Eb", "archit.arch_it.a.b").isEmpty();
            });
        }
        GenericRecord row = archive.allRows("a%2Eb", "archit.arch_it.a.b").get(0);
        assertThat(row.get("__op").toString()).isIn("c", "r", "u");
        assertThat(row.get("src__op").toString()).startsWith("zródło");
        assertThat(row.get("x_y").toString()).isEqualTo("myślnik");
        assertThat(row.get("x_y_2").toString()).isEqualTo("podkreślnik");
    }

    private static String change(GenericRecord r) {
        return r.get("__op") + " " + r.get("id");
    }

    private static Schema nonNull(Schema schema, String field) {
        Schema s = schema.getField(field).schema();
        return s.getType() == Schema.Type.UNION ? s.getTypes().get(1) : s;
    }

    private static Schema.Type type(Schema schema, String field) {
        return nonNull(schema, field).getType();
    }

    private static org.apache.avro.LogicalType logical(Schema schema, String field) {
        return nonNull(schema, field).getLogicalType();
    }
}
