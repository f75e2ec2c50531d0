package org.cdcpipeline.cdc;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
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
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.avro.generic.GenericRecord;
import org.cdcpipeline.ChildProcessEnv;
import org.cdcpipeline.PipelineJar;
import org.cdcpipeline.RowUpdates;
import org.cdcpipeline.S3Objects;
import org.cdcpipeline.TestServices;
import org.cdcpipeline.doctor.Doctor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.cdcpipeline.TestServices.execute;

/**
 * Two instances of the fat jar, as separate processes with the same settings, on one PostgreSQL, Kafka and S3, under
 * continuous updates: one captures, the other is standby (both UP, each saying its role in /observe/health). After a
 * kill -9 of the capturing one, the standby takes over within 30 s of the replication slot being released, from the
 * shared position (no second snapshot), and the archive holds every change, each Kafka record once.
 */
class StandbyTakeoverIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String SCHEMA = "standby_to";
    private static final String TOPIC = "standbyto." + SCHEMA + ".dokumenty";
    private static final int ROWS = 20;

    @TempDir
    Path work;

    @AfterAll
    static void dropSlot() throws Exception {
        execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + SCHEMA
                + "' AND NOT active");
    }

    private Map<String, String> instance(String name, int observePort) {
        Map<String, String> s = new HashMap<>(TestServices.endpoints());
        s.putAll(Map.of("csv.dir", work.resolve(name + "-csv").toString(), "csv.schema", SCHEMA,
                "pipeline.data-dir", work.resolve(name + "-data").toString(), "topic.prefix", "standbyto",
                "cdc.slot-name", SCHEMA, "cdc.publication-name", SCHEMA, "cdc.tables", SCHEMA + "\\.dokumenty",
                "cdc.offsets-table", SCHEMA + "_state.cdc_offsets", "archive.group-id", "standbyto-archive"));
        s.putAll(Map.of("aggregate.enabled", "false", "jmx.enabled", "false", "observe.port", String.valueOf(observePort),
                "archive.batch-max-age-ms", "2000", "archive.topic-refresh-ms", "2000",
                "cdc.offset-flush-interval-ms", "1000"));
        return s;
    }

    @Test
    void shouldTakeOverAfterTheCapturingInstanceIsKilled() throws Exception {
        execute("CREATE SCHEMA " + SCHEMA, "CREATE TABLE " + SCHEMA + ".dokumenty (id integer PRIMARY KEY, wersja integer NOT NULL)",
                "INSERT INTO " + SCHEMA + ".dokumenty SELECT i, 0 FROM generate_series(1, " + ROWS + ") i");
        int portA = TestServices.freePort();
        int portB = TestServices.freePort();
        Process a = start("a", portA);
        Process b = null;
        RowUpdates load = new RowUpdates("UPDATE " + SCHEMA + ".dokumenty SET wersja = wersja + 1 WHERE id = ?",
                (update, i) -> update.setInt(1, (int) (1 + i % ROWS)));
        try {
            await("a captures").atMost(Duration.ofSeconds(60)).until(() -> "capturing".equals(role(portA)));
            b = start("b", portB);
            await("b stands by").atMost(Duration.ofSeconds(30)).until(() -> "standby".equals(role(portB)));
            // UP once its consumers have joined their groups, as any instance
            await("b is UP").atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                HttpResponse<String> standbyHealth = health(portB);
                assertThat(standbyHealth.statusCode()).as("a standby is UP: " + standbyHealth.body()).isEqualTo(200);
            });
            assertThat(captureRole(portB)).as("b names the instance that captures")
                    .matches("capture-role: standby; this instance: cdc-pipeline " + SCHEMA + " \\S+; capturing: cdc-pipeline "
                            + SCHEMA + " \\S+ from 127\\.0\\.0\\.1");

            // the doctor lists both, with their roles
            ByteArrayOutputStream doctor = new ByteArrayOutputStream();
            Doctor.run(instance("doctor", TestServices.freePort()), "debezium", new PrintStream(doctor, true, StandardCharsets.UTF_8));
            assertThat(doctor.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains(" instance cdc-pipeline ")))
                    .as(doctor.toString(StandardCharsets.UTF_8)).hasSize(2)
                    .anyMatch(l -> l.endsWith(" capturing")).anyMatch(l -> l.endsWith(" standby"));

            load.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> load.committed() >= 100);
            a.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            long committedAtKill = load.committed();
            await("the slot released").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> slotReader().isEmpty());
            long released = System.nanoTime();
            await("b captures").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> !slotReader().isEmpty() && "capturing".equals(role(portB)));
            long tookOverMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - released);
            assertThat(tookOverMillis).as("take-over after the slot was released, ms").isLessThan(30_000);
            System.out.println("Take-over: b captures " + tookOverMillis + " ms after the slot was released");

            await().atMost(Duration.ofSeconds(30)).until(() -> load.committed() >= committedAtKill + 100);
            load.stop();
            Map<Integer, Integer> finalVersions = versions();

            // every version of every row archived; no second snapshot; a change published twice has one LSN; each
            // Kafka record archived once
            await("the archive holds every change").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(2))
                    .untilAsserted(() -> assertThat(archivedVersions()).isEqualTo(expected(finalVersions)));
            List<GenericRecord> rows = archiveRows();
            assertThat(rows.stream().filter(r -> "r".equals(String.valueOf(r.get("__op"))))).as("snapshot reads")
                    .hasSize(ROWS);
            Map<String, Set<String>> lsnsByChange = rows.stream().collect(Collectors.groupingBy(
                    r -> r.get("id") + "@" + r.get("wersja"), Collectors.mapping(r -> String.valueOf(r.get("__lsn")),
                            Collectors.toSet())));
            assertThat(lsnsByChange).allSatisfy((change, lsns) -> assertThat(lsns).as(change).hasSize(1));
            List<String> positions = rows.stream().map(r -> r.get("__kafka_partition") + "@" + r.get("__kafka_offset")).toList();
            assertThat(new HashSet<>(positions)).hasSize(positions.size());
        } finally {
            load.stop();
            a.destroyForcibly();
            if (b != null) {
                b.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    private Process start(String name, int observePort) throws Exception {
        Files.createDirectories(work.resolve(name + "-csv"));
        return PipelineJar.withEnvironment(ChildProcessEnv.of(instance(name, observePort)))
                .startRunning(work.resolve(name + ".log"), Duration.ofSeconds(180));
    }

    private static Map<Integer, Integer> versions() throws Exception {
        Map<Integer, Integer> versions = new TreeMap<>();
        for (String row : TestServices.column("SELECT id || ':' || wersja FROM " + SCHEMA + ".dokumenty")) {
            String[] parts = row.split(":");
            versions.put(Integer.valueOf(parts[0]), Integer.valueOf(parts[1]));
        }
        return versions;
    }

    /** Every (id, version) the rows went through. */
    private static Set<String> expected(Map<Integer, Integer> finalVersions) {
        Set<String> changes = new HashSet<>();
        finalVersions.forEach((id, last) -> {
            for (int v = 0; v <= last; v++) {
                changes.add(id + "@" + v);
            }
        });
        return changes;
    }

    private static Set<String> archivedVersions() throws Exception {
        return archiveRows().stream().map(r -> r.get("id") + "@" + r.get("wersja")).collect(Collectors.toSet());
    }

    private static List<GenericRecord> archiveRows() throws Exception {
        List<GenericRecord> rows = new ArrayList<>();
        for (String key : S3Objects.keys("raw-kafka-data/table=dokumenty/")) {
            if (key.contains("/" + TOPIC + "-")) {
                rows.addAll(S3Objects.parquetRows(key));
            }
        }
        return rows;
    }

    private static String slotReader() throws Exception {
        List<String> pid = TestServices.column("SELECT active_pid FROM pg_replication_slots WHERE slot_name = '" + SCHEMA + "'");
        return pid.isEmpty() || pid.get(0) == null ? "" : pid.get(0);
    }

    private static HttpResponse<String> health(int port) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observe/health?exposureLevel=full"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The capture-role check's message in the instance's health report. */
    private static String captureRole(int port) throws Exception {
        for (JsonNode check : JSON.readTree(health(port).body()).path("checks")) {
            if ("capture-role".equals(check.path("name").asText())) {
                return check.path("message").asText();
            }
        }
        return "";
    }

    private static String role(int port) {
        try {
            String message = captureRole(port);
            return message.isEmpty() ? "" : message.substring("capture-role: ".length(), message.indexOf(';'));
        } catch (Exception e) {
            return "";
        }
    }
}
