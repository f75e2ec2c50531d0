package org.cdcpipeline;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.cdcpipeline.TestServices.execute;

/**
 * Three instances of the fat jar, as separate processes with the same settings, on one PostgreSQL, Kafka and S3 (S3
 * behind a proxy that can slow its uploads), capturing a table into 3 partitions under continuous updates: the raw
 * archive's and the aggregate's consumer groups give each instance a partition. One instance is killed with -9 while
 * S3 is slow: its partitions move to the two left, and still every change is archived exactly once (no two objects
 * overlap) and the aggregate equals its GROUP BY.
 */
class ScaleOutIT {

    private static final String SCHEMA = "scale_out";
    private static final String TOPIC = "scaleout." + SCHEMA + ".klienci";
    private static final String ARCHIVE_GROUP = "scaleout-archive";
    /** The consumer group of the klienci table's aggregates (route template aggregate-topic). */
    private static final String AGGREGATE_GROUP = "aggregates-klienci";
    private static final int ROWS = 300;
    private static final List<String> COUNTRIES = List.of("Polska", "Niemcy", "Czechy", "Malta", "Cypr");
    /** An archive object's name: topic-partition-firstOffset-lastOffset.parquet. */
    private static final Pattern OBJECT = Pattern.compile(".*/" + Pattern.quote(TOPIC) + "-(\\d+)-(\\d+)-(\\d+)\\.parquet");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path work;

    @AfterAll
    static void dropSlot() throws Exception {
        execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + SCHEMA
                + "' AND NOT active");
    }

    private Map<String, String> instance(String name, int observePort, String s3Endpoint) {
        Map<String, String> s = new HashMap<>(TestServices.endpoints());
        s.putAll(Map.of("csv.dir", work.resolve(name + "-csv").toString(), "csv.schema", SCHEMA,
                "pipeline.data-dir", work.resolve(name + "-data").toString(), "topic.prefix", "scaleout",
                "cdc.slot-name", SCHEMA, "cdc.publication-name", SCHEMA, "cdc.tables", SCHEMA + "\\.klienci",
                "cdc.offsets-table", SCHEMA + "_state.cdc_offsets", "cdc.topic-partitions", "3",
                "s3.endpoint", s3Endpoint));
        s.putAll(Map.of("archive.group-id", ARCHIVE_GROUP, "aggregate.state-schema", SCHEMA + "_state",
                "aggregate.snapshot-prefix", "scale-out", "jmx.enabled", "false",
                "observe.port", String.valueOf(observePort), "archive.batch-max-age-ms", "2000",
                "archive.topic-refresh-ms", "2000", "aggregate.topic-refresh-ms", "2000",
                "aggregate.snapshot-interval-ms", "1000"));
        return s;
    }

    @Test
    void shouldMoveTheWorkOfAKilledInstanceWithoutLossOrOverlap() throws Exception {
        execute("CREATE SCHEMA " + SCHEMA, "CREATE TABLE " + SCHEMA + ".klienci (id integer PRIMARY KEY, nazwa text, kraj text)",
                "INSERT INTO " + SCHEMA + ".klienci SELECT i, 'k' || i, (ARRAY['Polska','Niemcy','Czechy'])[1 + i % 3] "
                        + "FROM generate_series(1, " + ROWS + ") i");
        List<Process> processes = new ArrayList<>();
        List<Integer> ports = new ArrayList<>();
        RowUpdates load = new RowUpdates("UPDATE " + SCHEMA + ".klienci SET kraj = ?, nazwa = ? WHERE id = ?",
                (update, i) -> {
                    update.setString(1, COUNTRIES.get((int) (i * 7 % COUNTRIES.size())));
                    update.setString(2, "v" + i);
                    update.setInt(3, (int) (1 + i * 13 % ROWS));
                });
        try (TcpProxy s3 = new TcpProxy(URI.create(TestServices.endpoints().get("s3.endpoint")).getPort())) {
            s3.up();
            String s3Endpoint = "http://127.0.0.1:" + s3.port();
            List<Path> logs = new ArrayList<>();
            for (String name : List.of("a", "b", "c")) {
                int port = TestServices.freePort();
                Files.createDirectories(work.resolve(name + "-csv"));
                Path log = work.resolve(name + ".log");
                processes.add(PipelineJar.withEnvironment(ChildProcessEnv.of(instance(name, port, s3Endpoint))).start(log));
                ports.add(port);
                logs.add(log);
            }
            for (int i = 0; i < processes.size(); i++) {
                PipelineJar.awaitRunning(processes.get(i), logs.get(i), Duration.ofSeconds(240));
            }
            await("each instance holds a partition of each group").atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                        assertThat(membersWithPartitions(ARCHIVE_GROUP)).isEqualTo(3);
                        assertThat(membersWithPartitions(AGGREGATE_GROUP)).isEqualTo(3);
                    });

            int victim = standby(ports);
            load.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> load.committed() >= 300);
            // S3 slow: objects take seconds to upload while the killed instance's partitions move
            s3.delayUploads(Duration.ofSeconds(3));
            processes.get(victim).destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            long atKill = load.committed();
            await("the two left hold all three partitions").atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                        assertThat(membersWithPartitions(ARCHIVE_GROUP)).isEqualTo(2);
                        assertThat(membersWithPartitions(AGGREGATE_GROUP)).isEqualTo(2);
                    });
            await().atMost(Duration.ofSeconds(60)).until(() -> load.committed() >= atKill + 300);
            s3.delayUploads(Duration.ZERO);
            load.stop();

            // capture catches up on the last updates: the topic stops growing
            List<Map<Integer, Long>> last = new ArrayList<>(List.of(endOffsets()));
            await("capture caught up").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(3)).until(() -> {
                Map<Integer, Long> now = endOffsets();
                return now.equals(last.set(0, now));
            });
            long records = last.get(0).values().stream().mapToLong(Long::longValue).sum();
            Set<String> published = TopicReader.read(TOPIC, (int) records).stream()
                    .map(ScaleOutIT::position).collect(Collectors.toSet());
            assertThat(published).hasSize((int) records);
            await("every change archived once, the aggregate equal to GROUP BY").atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
                        List<String> archived = archivedPositions();
                        assertThat(new HashSet<>(archived)).isEqualTo(published);
                        assertThat(archived).as("no change archived twice").hasSize(published.size());
                        assertThat(CountsByCountry.state(SCHEMA + "_state")).isEqualTo(CountsByCountry.groupBy(SCHEMA));
                    });
            assertNoOverlappingObjects();
        } finally {
            load.stop();
            for (Process p : processes) {
                p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    /** The index of an instance that stands by for capture: killing it moves only its archive and aggregate work. */
    private static int standby(List<Integer> ports) throws Exception {
        for (int i = 0; i < ports.size(); i++) {
            HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.get(i)
                    + "/observe/health?exposureLevel=full")).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            if (health.body().contains("capture-role: standby")) {
                return i;
            }
        }
        throw new AssertionError("no instance stands by");
    }

    private static int membersWithPartitions(String group) throws Exception {
        try (Admin admin = admin()) {
            ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
            return (int) d.members().stream().filter(m -> m.assignment().topicPartitions().stream()
                    .anyMatch(tp -> tp.topic().equals(TOPIC))).count();
        }
    }

    private static Map<Integer, Long> endOffsets() throws Exception {
        try (Admin admin = admin()) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < 3; p++) {
                latest.put(new TopicPartition(TOPIC, p), OffsetSpec.latest());
            }
            Map<Integer, Long> ends = new TreeMap<>();
            admin.listOffsets(latest).all().get().forEach((tp, info) -> ends.put(tp.partition(), info.offset()));
            return ends;
        }
    }

    private static Admin admin() {
        Properties p = new Properties();
        p.put("bootstrap.servers", TestServices.endpoints().get("kafka.bootstrap-servers"));
        return Admin.create(p);
    }

    private static String position(ConsumerRecord<?, ?> r) {
        return r.partition() + "@" + r.offset();
    }

    private static List<String> archiveKeys() {
        return S3Objects.keys("raw-kafka-data/table=klienci/").stream().filter(k -> OBJECT.matcher(k).matches()).toList();
    }

    private static List<String> archivedPositions() throws Exception {
        List<String> positions = new ArrayList<>();
        for (String key : archiveKeys()) {
            for (GenericRecord row : S3Objects.parquetRows(key)) {
                positions.add(row.get("__kafka_partition") + "@" + row.get("__kafka_offset"));
            }
        }
        return positions;
    }

    /** Within a partition, each offset is in at most one object. */
    private static void assertNoOverlappingObjects() {
        Map<Integer, List<long[]>> ranges = new TreeMap<>();
        for (String key : archiveKeys()) {
            Matcher m = OBJECT.matcher(key);
            assertThat(m.matches()).isTrue();
            ranges.computeIfAbsent(Integer.valueOf(m.group(1)), p -> new ArrayList<>())
                    .add(new long[] {Long.parseLong(m.group(2)), Long.parseLong(m.group(3))});
        }
        assertThat(ranges).hasSize(3);
        ranges.forEach((partition, list) -> {
            list.sort((x, y) -> Long.compare(x[0], y[0]));
            for (int i = 1; i < list.size(); i++) {
                assertThat(list.get(i)[0]).as("partition " + partition + ": an object starts after the one before ends")
                        .isGreaterThan(list.get(i - 1)[1]);
            }
        });
    }
}
