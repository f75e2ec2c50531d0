package org.cdcpipeline;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.cdcpipeline.archive.ArchiveReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The fat jar as a user runs it, with its own embedded PostgreSQL, Kafka and S3 server on free ports: started, killed
 * with kill -9, started again.
 */
class ApplicationProcessIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PASSWORD = "process-it-secret";

    @TempDir
    Path work;

    private final int pgPort = TestServices.freePort();
    private final int kafkaPort = TestServices.freePort();
    private final int controllerPort = TestServices.freePort();
    private final int s3Port = TestServices.freePort();
    private final List<Process> started = new ArrayList<>();
    private Path csvDir;
    private Path dataDir;

    @BeforeEach
    void folders() throws IOException {
        csvDir = Files.createDirectories(work.resolve("csv"));
        dataDir = work.resolve("data");
        for (String sample : List.of("klienci.csv", "pracownicy.csv", "projekty.csv")) {
            Files.copy(Samples.path(sample), csvDir.resolve(sample));
        }
    }

    @AfterEach
    void stopAll() throws Exception {
        for (Process p : started) {
            PipelineJar.stop(p);
        }
        // a last regular start and stop leaves no PostgreSQL behind
        if (Files.exists(dataDir.resolve("postgres/postmaster.pid"))) {
            run(Map.of(), "--once").waitFor(120, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldStartAgainAfterKill9WithEveryCommittedRow() throws Exception {
        Process first = run(Map.of());
        await().atMost(Duration.ofSeconds(120)).until(() -> count("SELECT count(*) FROM klienci") == 40);
        // capture has published the import and saved a position; what follows is replayed from that position
        assertThat(TopicReader.read("127.0.0.1:" + kafkaPort, "dbserver1.public.klienci", 40)).hasSize(40);
        // a position saved past the snapshot's last record: one saved mid-snapshot makes the next start take the
        // snapshot again (Debezium's rule), and those events carry another LSN
        await().atMost(Duration.ofSeconds(30)).until(() -> snapshotDoneInSavedPosition(dataDir.resolve("cdc-offsets.dat")));
        // tables the archive has written whole before the kill: the restart resumes after its objects and receives
        // none of their records, and --once must still see the archive caught up
        try (ArchiveReader archive = archive()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> archive.allRows("pracownicy", "dbserver1.public.pracownicy").size() == 45
                    && archive.allRows("projekty", "dbserver1.public.projekty").size() == 28);
        }
        execute("INSERT INTO klienci (id, nazwa, kraj) VALUES (999, 'Zapisana przed awarią', 'Polska')");

        first.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // kill -9: no shutdown hook runs
        assertThat(portOpen(pgPort)).as("the killed run left its PostgreSQL running").isTrue();

        Files.writeString(csvDir.resolve("klienci.csv"),
                "id,nazwa,email,kraj,telefon\n1,Firma X,contact@firmax.com,Niemcy,+48 600 123 456\n", StandardCharsets.UTF_8);
        Process second = run(Map.of(), "--once");
        boolean ended = second.waitFor(180, TimeUnit.SECONDS);
        String output = output(second);
        assertThat(ended).as(output).isTrue();
        assertThat(second.exitValue()).as(output).isZero();
        assertThat(output).contains("left running by a previous run").contains("cdc-pipeline --once summary");
        assertThat(output).containsPattern("klienci\\s+1\\s+1\\s+1\\s+0");
        assertThat(output).contains("Change capture (PostgreSQL -> Kafka)").containsPattern("dbserver1\\.public\\.klienci\\s+\\d+");
        // --once waits for the aggregates too: every klienci row counted once
        assertThat(output).containsPattern("klienci-by-country\\s+\\d+\\s+41\\s");
        // a quality aggregate counts its columns, a mirror its rows only
        assertThat(output).containsPattern("quality-klienci\\s+5 cols\\s+41\\s").containsPattern("projekty\\s+-\\s+\\d+\\s");
        assertThat(output).contains("Raw archive").containsPattern("klienci\\s+\\d+ objects\\s+\\d+ rows");
        assertThat(portOpen(pgPort)).as("a clean stop stops PostgreSQL").isFalse();

        Process third = run(Map.of());
        PipelineJar.awaitRunning(third, log(third), Duration.ofSeconds(120));
        assertThat(count("SELECT count(*) FROM klienci WHERE id = 999")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM klienci WHERE id = 1 AND kraj = 'Niemcy'")).isEqualTo(1);

        // every committed change reached Kafka across the kill; a change published twice has one LSN
        Map<String, Set<Long>> lsnsByChange = new HashMap<>();
        for (ConsumerRecord<String, String> r : TopicReader.read("127.0.0.1:" + kafkaPort, "dbserver1.public.klienci", 42)) {
            JsonNode event = JSON.readTree(r.value());
            // the samples wait in csv_files at the first start: a row imported before capture's slot existed comes
            // in its snapshot (r), a later one as an insert (c)
            String op = event.at("/payload/op").asText().replace("r", "c");
            String change = op + " " + JSON.readTree(r.key()).at("/payload/id").asText();
            lsnsByChange.computeIfAbsent(change, c -> new HashSet<>()).add(event.at("/payload/source/lsn").asLong());
        }
        Set<String> expected = new HashSet<>(List.of("c 999", "u 1"));
        for (int id = 1; id <= 40; id++) {
            expected.add("c " + id);
        }
        assertThat(lsnsByChange.keySet()).isEqualTo(expected);
        assertThat(lsnsByChange.values()).allSatisfy(lsns -> assertThat(lsns).hasSize(1));

        // the archive holds exactly the distinct changes of the topic, each once, across the kill
        Set<String> published = new HashSet<>();
        for (ConsumerRecord<String, String> r : TopicReader.read("127.0.0.1:" + kafkaPort, "dbserver1.public.klienci", 42)) {
            if (r.value() != null) {
                JsonNode event = JSON.readTree(r.value());
                published.add(event.at("/payload/op").asText() + " " + JSON.readTree(r.key()).at("/payload/id").asText()
                        + " " + event.at("/payload/source/lsn").asLong());
            }
        }
        try (ArchiveReader archive = archive()) {
            List<String> archived = archive.allRows("klienci", "dbserver1.public.klienci").stream()
                    .map(row -> row.get("__op") + " " + row.get("id") + " " + row.get("__lsn")).toList();
            assertThat(archived).doesNotHaveDuplicates();
            assertThat(new HashSet<>(archived)).isEqualTo(published);
        }

        third.destroy(); // Ctrl-C / SIGTERM: routes, then the embedded servers, stop cleanly
        assertThat(third.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(portOpen(pgPort)).as("a clean stop stops PostgreSQL").isFalse();
        assertThat(output(third)).contains("cdc-pipeline) shutdown");
    }

    @Test
    void shouldNameTheSettingWhenAPortIsTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Process p = run(Map.of("KAFKA_EMBEDDED_PORT", String.valueOf(taken.getLocalPort())), "--once");
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            String output = output(p);
            assertThat(p.exitValue()).isEqualTo(1);
            assertThat(output).contains("Port " + taken.getLocalPort() + " for the embedded Kafka broker is already in use")
                    .contains("set KAFKA_EMBEDDED_PORT");
        }
        assertThat(portOpen(pgPort)).as("PostgreSQL started before the failure is stopped").isFalse();
    }

    private Process run(Map<String, String> env, String... args) throws IOException {
        Map<String, String> environment = new HashMap<>(Map.of("POSTGRES_PORT", String.valueOf(pgPort),
                "POSTGRES_PASSWORD", PASSWORD, "KAFKA_EMBEDDED_PORT", String.valueOf(kafkaPort),
                "KAFKA_EMBEDDED_CONTROLLER_PORT", String.valueOf(controllerPort), "S3_EMBEDDED_PORT", String.valueOf(s3Port),
                "PIPELINE_DATA_DIR", dataDir.toString(), "CSV_DIR", csvDir.toString(),
                "JMX_PORT", String.valueOf(TestServices.freePort()), "OBSERVE_PORT", String.valueOf(TestServices.freePort()),
                "CSV_POLL_DELAY_MS", "200"));
        environment.put("DASHBOARD_PORT", String.valueOf(TestServices.freePort()));
        environment.put("CSV_READ_LOCK_MIN_AGE_MS", "200");
        environment.putAll(env);
        Process p = PipelineJar.withEnvironment(environment).start(work.resolve("run-" + started.size() + ".log"), args);
        started.add(p);
        return p;
    }

    /** The archive of the embedded S3 server, with the keys the first start generated. */
    private ArchiveReader archive() throws IOException {
        java.util.Properties keys = new java.util.Properties();
        try (var in = Files.newInputStream(dataDir.resolve("dev-credentials.properties"))) {
            keys.load(in);
        }
        return new ArchiveReader("http://127.0.0.1:" + s3Port, keys.getProperty("s3.access-key"),
                keys.getProperty("s3.secret-key"), "processed-data");
    }

    private String output(Process p) {
        return PipelineJar.output(log(p));
    }

    private Path log(Process p) {
        return work.resolve("run-" + started.indexOf(p) + ".log");
    }

    private int count(String sql) {
        try (Connection c = connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        } catch (Exception e) {
            return -1;
        }
    }

    private void execute(String sql) throws Exception {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private Connection connect() throws Exception {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres", "postgres", PASSWORD);
    }

    private static boolean portOpen(int port) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Debezium's file holds the position as JSON bytes: a snapshot's positions say whether theirs was its last record. */
    private static boolean snapshotDoneInSavedPosition(Path offsets) throws IOException {
        if (!Files.exists(offsets)) {
            return false;
        }
        String saved = new String(Files.readAllBytes(offsets), StandardCharsets.ISO_8859_1);
        return saved.contains("\"lsn\"")
                && (saved.contains("\"last_snapshot_record\":true") || !saved.contains("\"snapshot\""));
    }
}
