package org.cdcpipeline.archive;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
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
import org.cdcpipeline.CapturedSchema;
import org.cdcpipeline.Samples;
import org.cdcpipeline.StartupException;
import org.cdcpipeline.TcpProxy;
import org.cdcpipeline.TestPipeline;
import org.cdcpipeline.TestServices;
import org.cdcpipeline.TopicReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.cdcpipeline.TestServices.execute;

/**
 * The raw-archive route on its real YAML file, with real PostgreSQL, Kafka and S3 servers: CSV import and changes
 * captured by cdc-capture, archived as Parquet objects, read back with a Parquet reader. Each test archives a schema of
 * its own (its own slot, topics, consumer group and objects) and sets up every row it reads: no test depends on another.
 */
class RawArchiveIT {

    private static final ArchiveReader archive = new ArchiveReader();

    @TempDir
    Path work;

    /** One test's own captured schema, archived by its own consumer group into objects of its own topics. */
    private record Source(CapturedSchema captured) {

        static Source create(String name, Path work) throws Exception {
            return new Source(CapturedSchema.create("arch_it_" + name, work));
        }

        /** Adds a klienci table whose changes carry the whole row, with rows (id, nazwa) already in it. */
        Source withKlienci(String... rows) throws Exception {
            execute("CREATE TABLE " + table() + " (id integer PRIMARY KEY, nazwa varchar(200) NOT NULL, "
                    + "email varchar(254), kraj varchar(100), telefon varchar(50))",
                    "ALTER TABLE " + table() + " REPLICA IDENTITY FULL");
            for (String row : rows) {
                insert(row);
            }
            return this;
        }

        /** Inserts a klienci row given as "id, 'nazwa'", in Poland. */
        void insert(String row) throws Exception {
            execute("INSERT INTO " + table() + " (id, nazwa, kraj) VALUES (" + row + ", 'Polska')");
        }

        String schema() {
            return captured.name();
        }

        String prefix() {
            return captured.topicPrefix();
        }

        String topic() {
            return captured.topic("klienci");
        }

        String table() {
            return captured.table("klienci");
        }

        String groupId() {
            return prefix() + "-archive";
        }

        Map<String, String> settings() {
            Map<String, String> s = captured.settings();
            s.put("archive.enabled", "true");
            s.put("archive.group-id", groupId());
            s.put("archive.batch-max-age-ms", "1000");
            s.put("archive.retry.initial-delay-ms", "200");
            s.put("archive.retry.max-delay-ms", "1000");
            return s;
        }

        TestPipeline start() {
            return TestPipeline.start(settings());
        }

        /** The archived changes of klienci, each as "op id", in the order of their objects. */
        List<String> archived() throws Exception {
            return archive.allRows("klienci", topic()).stream().map(RawArchiveIT::change).toList();
        }

        void awaitArchived(int changes) {
            await().atMost(Duration.ofSeconds(30)).until(() -> archived().size() >= changes);
        }

        /** Moves the archive's consumer group in Kafka to these offsets of the klienci topic. */
        void commitOffset(long offset) throws Exception {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
                admin.alterConsumerGroupOffsets(groupId(), Map.of(new TopicPartition(topic(), 0), new OffsetAndMetadata(offset)))
                        .all().get();
            }
        }
    }

    @AfterAll
    static void closeReader() {
        archive.close();
    }

    @Test
    void shouldArchiveEveryImportedAndChangedRowOnceUnderItsDocumentedNameWithinTheMaxAge() throws Exception {
        Source source = Source.create("import", work);
        String typesTopic = source.prefix() + "." + source.schema() + ".typy";
        Pattern name = Pattern.compile("raw-kafka-data/table=klienci/date=(\\d{4}-\\d{2}-\\d{2})/"
                + Pattern.quote(source.topic()) + "-0-(\\d+)-(\\d+)\\.parquet");
        execute("CREATE TABLE " + source.schema() + ".typy (id integer PRIMARY KEY, duza bigint, mala smallint, "
                + "kwota numeric(12,2), opis text, aktywny boolean, dzien date, chwila timestamp, moment timestamptz, "
                + "ulamek double precision)");
        Files.createDirectories(work.resolve("csv"));
        try (TestPipeline pipeline = source.start()) {
            Files.copy(Samples.path("klienci.csv"), work.resolve("csv").resolve("klienci.csv"));
            TopicReader.read(source.topic(), 40);
            execute("ALTER TABLE " + source.table() + " REPLICA IDENTITY FULL",
                    "UPDATE " + source.table() + " SET kraj = 'Niemcy' WHERE id = 1",
                    "DELETE FROM " + source.table() + " WHERE id = 2",
                    "INSERT INTO " + source.schema() + ".typy VALUES (7, 9000000000, 12, 1234.56, 'zażółć', true, "
                            + "'2025-03-14', '2025-03-14 10:15:30.123456', '2025-03-14 10:15:30+01', 2.5)");
            // batch size 10,000: these objects are written only because a batch reaches its max age (1 s)
            await().atMost(Duration.ofSeconds(30)).until(() -> source.archived().size() >= 42
                    && !archive.keys("typy", typesTopic).isEmpty());
        }

        List<GenericRecord> rows = archive.allRows("klienci", source.topic());
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
        for (String key : archive.keys("klienci", source.topic())) {
            Matcher m = name.matcher(key);
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

        GenericRecord typed = archive.allRows("typy", typesTopic).get(0);
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
    void shouldNeitherDuplicateNorLoseRowsWhenRestartedAfterUploadButBeforeCommitAndWhenCaptureReplays() throws Exception {
        Source source = Source.create("restart", work).withKlienci("1, 'Pierwszy'", "2, 'Drugi'", "3, 'Trzeci'");
        try (TestPipeline pipeline = source.start()) {
            source.awaitArchived(3); // the snapshot: from here on capture streams
            execute("UPDATE " + source.table() + " SET kraj = 'Niemcy' WHERE id = 1");
            source.awaitArchived(4);
        }
        // the state a crash between upload and commit leaves: objects in S3, the group's offsets behind them
        source.commitOffset(0);
        // capture replaying a change after its own crash: the same event once more on the topic
        ConsumerRecord<String, String> original = TopicReader.read(source.topic(), 4).stream()
                .filter(r -> r.value() != null && r.value().contains("\"op\":\"u\"")).findFirst().orElseThrow();
        produce(source.topic(), original.key(), original.value());
        List<String> objectsBefore = archive.keys("klienci", source.topic());

        try (TestPipeline pipeline = source.start()) {
            source.insert("4, 'Po restarcie'");
            await().atMost(Duration.ofSeconds(30)).until(() -> source.archived().contains("c 4"));
        }
        assertThat(source.archived()).containsExactly("r 1", "r 2", "r 3", "u 1", "c 4");
        assertThat(archive.keys("klienci", source.topic())).startsWith(objectsBefore.toArray(String[]::new));
    }

    @Test
    void shouldArchiveAColumnAddedToTheTableInNewObjectsWhileOldOnesStayReadable() throws Exception {
        Source source = Source.create("new_column", work).withKlienci("1, 'Bez uwag'");
        try (TestPipeline pipeline = source.start()) {
            source.awaitArchived(1);
            execute("ALTER TABLE " + source.table() + " ADD COLUMN uwagi text",
                    "INSERT INTO " + source.table() + " VALUES (2, 'Z uwagami', NULL, 'Polska', NULL, 'ważny klient')");
            await().atMost(Duration.ofSeconds(30)).until(() -> source.archived().contains("c 2"));
        }
        List<String> keys = archive.keys("klienci", source.topic());
        GenericRecord added = archive.rows(keys.get(keys.size() - 1)).stream()
                .filter(r -> change(r).equals("c 2")).findFirst().orElseThrow();
        assertThat(added.get("uwagi").toString()).isEqualTo("ważny klient");
        assertThat(archive.rows(keys.get(0)).get(0).getSchema().getField("uwagi")).isNull();
        assertThat(source.archived()).containsExactly("r 1", "c 2");
    }

    @Test
    void shouldLoseNothingWhileS3IsDownAndWriteTheBatchOnceItIsBack() throws Exception {
        Source source = Source.create("s3_down", work).withKlienci("1, 'Przed awarią S3'");
        int s3Port = Integer.parseInt(TestServices.endpoints().get("s3.endpoint").replaceAll(".*:", ""));
        try (TcpProxy proxy = new TcpProxy(s3Port)) {
            proxy.up();
            Map<String, String> s = source.settings();
            s.put("s3.endpoint", "http://127.0.0.1:" + proxy.port());
            try (TestPipeline pipeline = TestPipeline.start(s)) {
                source.awaitArchived(1);
                proxy.down();
                execute("UPDATE " + source.table() + " SET kraj = 'Litwa' WHERE id = 1");
                TopicReader.read(source.topic(), 2);
                // the outage itself, held for a fixed 4 s so that several upload attempts fail (max age 1 s, retries
                // every 0.2-1 s); all along the bucket keeps what it had (Awaitility during)
                await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(10))
                        .until(() -> source.archived().equals(List.of("r 1")));
                proxy.up();
                await().atMost(Duration.ofSeconds(60)).until(() -> source.archived().size() >= 2);
            }
        }
        assertThat(source.archived()).containsExactly("r 1", "u 1");
    }

    @Test
    void shouldRefuseToStartWithOneClearLineWhenTheKeysAreWrongOrTheBucketIsMissing() throws Exception {
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
        Map<String, String> s = Source.create("wrong_key", work).settings();
        s.put("s3.secret-key", "wrong-secret");
        assertThat(TestPipeline.runOnce(s)).as("the pipeline does not start").isEqualTo(1);
    }

    @Test
    void shouldResumeFromTheBucketWhenKafkasCommittedOffsetsRunAheadOfIt() throws Exception {
        Source source = Source.create("resume", work).withKlienci("1, 'Pierwszy'", "2, 'Drugi'");
        try (TestPipeline pipeline = source.start()) {
            source.awaitArchived(2);
            source.insert("3, 'W drugim obiekcie'");
            source.awaitArchived(3);
        }
        // the state camel-kafka's own commits used to leave: the group's offsets at the end of the topic, while the
        // last batch never reached the bucket
        List<String> keys = archive.keys("klienci", source.topic());
        assertThat(keys).as("the last change in an object of its own").hasSizeGreaterThan(1);
        String lost = keys.get(keys.size() - 1);
        List<String> lostChanges = archive.rows(lost).stream().map(RawArchiveIT::change).toList();
        archive.delete(lost);
        source.commitOffset(3);
        try (TestPipeline pipeline = source.start()) {
            source.awaitArchived(3);
        }
        assertThat(source.archived()).containsExactly("r 1", "r 2", "c 3").containsAll(lostChanges);
    }

    @Test
    void shouldDeadLetterARecordThatIsNoChangeEventAsItCameAndArchiveTheChangesAfterIt() throws Exception {
        Source source = Source.create("dead_letter", work).withKlienci("1, 'Przed złym rekordem'");
        try (TestPipeline pipeline = source.start()) {
            source.awaitArchived(1);
            produce(source.topic(), "{\"id\":\"x\"}", "this is not a change event");
            source.insert("2, 'Po złym rekordzie'");
            await().atMost(Duration.ofSeconds(30)).until(() -> source.archived().contains("c 2"));
        }
        List<ConsumerRecord<String, String>> letters = TopicReader.read(source.prefix() + ".archive-dead-letter", 1);
        assertThat(letters).hasSize(1);
        ConsumerRecord<String, String> letter = letters.get(0);
        assertThat(letter.key()).isEqualTo("{\"id\":\"x\"}");
        assertThat(letter.value()).isEqualTo("this is not a change event");
        assertThat(new String(letter.headers().lastHeader("pipeline.source-topic").value())).isEqualTo(source.topic());
        assertThat(new String(letter.headers().lastHeader("pipeline.error").value())).contains("not a JSON change event");
        assertThat(source.archived()).containsExactly("r 1", "c 2");
    }

    @Test
    void shouldArchiveATableWhoseNameIsNoSafeKeyPartAndWhoseColumnIsNamedLikeMetadata() throws Exception {
        Source source = Source.create("unsafe_names", work);
        String table = source.schema() + ".\"a.b\"";
        String topic = source.prefix() + "." + source.schema() + ".a.b";
        execute("CREATE TABLE " + table + " (id integer PRIMARY KEY, __op text, \"x-y\" text, x_y text)",
                "ALTER TABLE " + table + " REPLICA IDENTITY FULL",
                "INSERT INTO " + table + " VALUES (1, 'zródło', 'myślnik', 'podkreślnik')");
        try (TestPipeline pipeline = source.start()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> !archive.keys("a%2Eb", topic).isEmpty());
        }
        GenericRecord row = archive.allRows("a%2Eb", topic).get(0);
        assertThat(row.get("__op").toString()).isEqualTo("r");
        assertThat(row.get("src__op").toString()).isEqualTo("zródło");
        assertThat(row.get("x_y").toString()).isEqualTo("myślnik");
        assertThat(row.get("x_y_2").toString()).isEqualTo("podkreślnik");
    }

    private static String bootstrap() {
        return TestServices.endpoints().get("kafka.bootstrap-servers");
    }

    /** Writes a record straight onto a topic, as a producer other than capture would. */
    private static void produce(String topic, String key, String value) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        }
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
