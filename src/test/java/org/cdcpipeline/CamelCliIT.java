package org.cdcpipeline;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.cdcpipeline.archive.S3ArchiveObjects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Camel CLI as a user runs it: {@code bin/camel run --max-seconds=..} in the project directory, on the route files
 * and application.properties, with the project's jar from the package phase. One run does the whole pipeline, so the
 * suite pays for one launcher start and one set of embedded servers.
 */
class CamelCliIT {

    /** Endpoints a user's shell may have set: without them the pipeline starts its embedded services. */
    private static final List<String> ENDPOINTS = List.of("POSTGRES_HOST", "KAFKA_BOOTSTRAP_SERVERS", "S3_ENDPOINT");

    @TempDir
    Path work;

    @Test
    void shouldRunTheWholePipelineOnEmbeddedServicesWhenNoEndpointIsSet() throws Exception {
        Path csvDir = Files.createDirectories(work.resolve("csv"));
        Files.copy(Samples.path("klienci.csv"), csvDir.resolve("klienci.csv"));
        Path dataDir = work.resolve("data");
        Map<String, String> ports = embeddedPorts();
        Map<String, String> config = new HashMap<>(ports);
        config.put("pipeline.data-dir", dataDir.toString());
        config.put("csv.dir", csvDir.toString());
        config.put("csv.poll-delay-ms", "200");
        config.put("csv.read-lock-min-age-ms", "200");
        config.put("archive.batch-max-age-ms", "1000");

        Process camel = camelRun(ChildProcessEnv.of(config), "--max-seconds=60");
        try {
            // while it runs, as a user would: the endpoints and development credentials the banner names
            await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofSeconds(2)).ignoreExceptions()
                    .until(() -> firstValue(ports.get("postgres.port"), dataDir, "SELECT count(*) FROM public.klienci").equals("40"));
            assertThat(firstValue(ports.get("postgres.port"), dataDir, "SELECT nazwa FROM public.klienci WHERE id = 1"))
                    .isEqualTo("Firma X");
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(2)).ignoreExceptions()
                    .until(() -> archiveKeys(ports.get("s3.embedded.port"), dataDir).stream()
                            .anyMatch(key -> key.contains("dbserver1.public.klienci-") && key.endsWith(".parquet")));
        } finally {
            awaitEnd(camel);
        }
        String output = log();
        assertThat(camel.exitValue()).as(output).isZero();
        assertThat(output).contains("Additional jars added to classpath: target/cdc-pipeline.jar",
                "=== cdc-pipeline is running", "(embedded KRaft broker, data in " + dataDir,
                "Embedded PostgreSQL listening on 127.0.0.1:" + ports.get("postgres.port"));
        try (var done = Files.list(csvDir.resolve(".done"))) {
            assertThat(done.map(p -> p.getFileName().toString())).singleElement().asString().endsWith("-klienci.csv");
        }
        // stopped with the run: every server's port is free again
        for (String port : ports.values()) {
            try (ServerSocket free = new ServerSocket()) {
                free.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(port)));
            }
        }
    }

    @Test
    void shouldEndAFailedStartWithOneLineAndNoStackTrace() throws Exception {
        Map<String, String> ports = embeddedPorts();
        Map<String, String> config = new HashMap<>(ports);
        config.put("pipeline.data-dir", work.resolve("data").toString());
        config.put("csv.dir", Files.createDirectories(work.resolve("csv")).toString());
        String output;
        Process camel;
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(ports.get("postgres.port"))));
            camel = camelRun(ChildProcessEnv.of(config), "--max-seconds=30");
            output = awaitEnd(camel);
        }
        assertThat(camel.exitValue()).as(output).isEqualTo(1);
        assertThat(output.lines().filter(line -> line.startsWith("Cannot start: ")))
                .as(output).containsExactly("Cannot start: Port " + ports.get("postgres.port") + " for the embedded "
                        + "PostgreSQL is already in use on 127.0.0.1: set POSTGRES_PORT to a free port, or stop the "
                        + "program that holds it.");
        assertThat(output.lines()).as(output).noneMatch(line -> line.matches("\\s+at .*") || line.contains("Exception"));
    }

    /** {@code bin/camel run} in the project directory; the first run builds the launcher (cli/pom.xml) with Maven. */
    private Process camelRun(Map<String, String> env, String... args) throws IOException {
        List<String> command = new java.util.ArrayList<>(List.of("bash", "bin/camel", "run"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(work.resolve("camel-run.log").toFile());
        ENDPOINTS.forEach(pb.environment()::remove);
        pb.environment().putAll(env);
        return pb.start();
    }

    private String awaitEnd(Process camel) throws Exception {
        try {
            assertThat(camel.waitFor(15, TimeUnit.MINUTES)).as("camel run ends after --max-seconds").isTrue();
        } finally {
            camel.destroyForcibly();
        }
        return log();
    }

    private String log() throws IOException {
        return Files.readString(work.resolve("camel-run.log"), StandardCharsets.UTF_8);
    }

    /** Free loopback ports for the embedded servers, JMX, the health server and the dashboard, as configuration keys. */
    private static Map<String, String> embeddedPorts() {
        Map<String, String> ports = new HashMap<>();
        for (String key : List.of("postgres.port", "kafka.embedded.port", "kafka.embedded.controller-port",
                "s3.embedded.port", "jmx.port", "observe.port", "dashboard.port")) {
            ports.put(key, String.valueOf(TestServices.freePort()));
        }
        return ports;
    }

    /** The first column of the query's first row, on the embedded PostgreSQL as its owner. */
    private static String firstValue(String port, Path dataDir, String query) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres",
                devCredential(dataDir, "postgres.password")); ResultSet rs = c.createStatement().executeQuery(query)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static List<String> archiveKeys(String port, Path dataDir) throws IOException {
        try (S3Client s3 = S3ArchiveObjects.client("http://127.0.0.1:" + port, "us-east-1",
                devCredential(dataDir, "s3.access-key"), devCredential(dataDir, "s3.secret-key"))) {
            return s3.listObjectsV2Paginator(b -> b.bucket("processed-data")).contents().stream().map(S3Object::key).toList();
        }
    }

    /** The development credentials the embedded services generated (the banner says where they are). */
    private static String devCredential(Path dataDir, String key) throws IOException {
        Properties credentials = new Properties();
        try (InputStream in = Files.newInputStream(dataDir.resolve("dev-credentials.properties"))) {
            credentials.load(in);
        }
        return credentials.getProperty(key);
    }
}
