package org.cdcpipeline;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.cdcpipeline.archive.S3ArchiveObjects;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Secrets stay secret: whether configured or generated for development, no password or secret key appears in
 * anything the pipeline prints or logs, nor in its health and metrics output, while it imports, captures, archives
 * and aggregates (so every client that uses them has connected); the banner says where they are instead. The fat jar
 * runs as a user runs it, with its own embedded servers, which take the given credentials.
 */
class SecretsIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path work;

    private final int pgPort = TestServices.freePort();
    private final int s3Port = TestServices.freePort();
    private final int observePort = TestServices.freePort();
    private Path csvDir;
    private Path dataDir;
    private Path log;
    private Process pipeline;

    @BeforeEach
    void folders() throws IOException {
        csvDir = Files.createDirectories(work.resolve("csv"));
        dataDir = work.resolve("data");
        log = work.resolve("pipeline.log");
        Files.copy(Samples.path("klienci.csv"), csvDir.resolve("klienci.csv"));
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (pipeline != null && pipeline.isAlive()) {
            PipelineJar.stop(pipeline);
        }
    }

    @Test
    void shouldNeverPrintOrLogConfiguredSecretsNorShowThemInHealthOrMetrics() throws Exception {
        String pgPassword = distinctive("Pg");
        String s3SecretKey = distinctive("S3");
        String jmxMonitorPassword = distinctive("JmxMonitor");
        String jmxControlPassword = distinctive("JmxControl");
        pipeline = start(Map.of("POSTGRES_PASSWORD", pgPassword, "S3_ACCESS_KEY", "secrets-it-access",
                "S3_SECRET_KEY", s3SecretKey, "JMX_MONITOR_PASSWORD", jmxMonitorPassword,
                "JMX_CONTROL_PASSWORD", jmxControlPassword));

        awaitEveryClientAtWork(pgPassword, "secrets-it-access", s3SecretKey);
        String health = get("/observe/health");
        assertThat(health).contains("UP");
        // the CSV counter appears once the file is done, which can be after its rows have gone through the pipeline
        String metrics = await().atMost(Duration.ofSeconds(30)).until(() -> get("/observe/metrics"),
                m -> m.contains("csv_rows_imported"));
        pipeline.destroy(); // Ctrl-C: the stop's lines belong to the log too
        assertThat(pipeline.waitFor(60, TimeUnit.SECONDS)).isTrue();

        String output = output();
        assertThat(output).contains("postgresql://postgres:****@127.0.0.1:" + pgPort + "/postgres")
                .contains("password from POSTGRES_PASSWORD")
                .contains("access key secrets-it-access, secret key from S3_SECRET_KEY");
        for (String secret : List.of(pgPassword, s3SecretKey, jmxMonitorPassword, jmxControlPassword)) {
            assertThat(output).as("the log").doesNotContain(secret);
            assertThat(health).as("/observe/health").doesNotContain(secret);
            assertThat(metrics).as("/observe/metrics").doesNotContain(secret);
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir))).isEqualTo("rwx------");
        assertThat(dataDir.resolve("dev-credentials.properties")).as("nothing to generate").doesNotExist();
    }

    @Test
    void shouldKeepDevelopmentCredentialsInAnOwnerOnlyFileAndNeverPrintThem() throws Exception {
        pipeline = start(Map.of(), "--once");
        assertThat(pipeline.waitFor(300, TimeUnit.SECONDS)).isTrue();
        String output = output();
        assertThat(pipeline.exitValue()).as(output).isZero();

        Path file = dataDir.resolve("dev-credentials.properties");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        Properties credentials = new Properties();
        try (var in = Files.newBufferedReader(file)) {
            credentials.load(in);
        }
        assertThat(output).contains("postgresql://postgres:****@127.0.0.1:" + pgPort + "/postgres")
                .contains("password in " + file + " (postgres.password)")
                .contains("access key " + credentials.getProperty("s3.access-key") + ", secret key in " + file
                        + " (s3.secret-key)")
                .doesNotContain(credentials.getProperty("postgres.password"))
                .doesNotContain(credentials.getProperty("s3.secret-key"));
        assertThat(output).contains("cdc-pipeline --once summary").containsPattern("klienci\\s+1\\s+40\\s");
    }

    /** Waits until the CSV file is imported, its rows are archived and aggregated: every client has connected. */
    private void awaitEveryClientAtWork(String pgPassword, String s3AccessKey, String s3SecretKey) {
        await().atMost(Duration.ofSeconds(180)).until(() -> !pipeline.isAlive() || count(pgPassword) == 40);
        assertThat(pipeline.isAlive()).as(this::output).isTrue();
        try (S3Client s3 = S3ArchiveObjects.client("http://127.0.0.1:" + s3Port, "us-east-1", s3AccessKey, s3SecretKey)) {
            await().atMost(Duration.ofSeconds(120)).until(() -> !keys(s3, "raw-kafka-data/table=klienci/").isEmpty()
                    && !keys(s3, "klienci-by-country/").isEmpty());
        }
    }

    private static List<String> keys(S3Client s3, String prefix) {
        return s3.listObjectsV2(b -> b.bucket("processed-data").prefix(prefix)).contents().stream()
                .map(o -> o.key()).toList();
    }

    private int count(String password) {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres",
                "postgres", password); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM klienci")) {
            rs.next();
            return rs.getInt(1);
        } catch (Exception e) {
            return -1;
        }
    }

    private String get(String path) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + observePort + path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return response.body();
    }

    private Process start(Map<String, String> env, String... args) throws IOException {
        Map<String, String> environment = new HashMap<>(Map.of("POSTGRES_PORT", String.valueOf(pgPort),
                "KAFKA_EMBEDDED_PORT", String.valueOf(TestServices.freePort()),
                "KAFKA_EMBEDDED_CONTROLLER_PORT", String.valueOf(TestServices.freePort()),
                "S3_EMBEDDED_PORT", String.valueOf(s3Port), "PIPELINE_DATA_DIR", dataDir.toString(),
                "CSV_DIR", csvDir.toString(), "JMX_PORT", String.valueOf(TestServices.freePort()),
                "OBSERVE_PORT", String.valueOf(observePort), "CSV_POLL_DELAY_MS", "200", "CSV_READ_LOCK_MIN_AGE_MS", "200"));
        environment.put("DASHBOARD_PORT", String.valueOf(TestServices.freePort()));
        environment.put("ARCHIVE_BATCH_MAX_AGE_MS", "1000");
        environment.put("AGGREGATE_SNAPSHOT_INTERVAL_MS", "1000");
        environment.putAll(env);
        return PipelineJar.withEnvironment(environment).start(log, args);
    }

    private String output() {
        return PipelineJar.output(log);
    }

    /** A value found nowhere unless the secret itself was written out. */
    private static String distinctive(String what) {
        byte[] random = new byte[8];
        ThreadLocalRandom.current().nextBytes(random);
        return what + "-secret-" + HexFormat.of().formatHex(random);
    }
}
