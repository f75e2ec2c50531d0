package org.cdcpipeline;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.cdcpipeline.TestServices.column;
import static org.cdcpipeline.TestServices.execute;

/**
 * The fat jar stopped with SIGTERM (what Ctrl-C and a service manager send) at unlucky moments: it exits within 10 s,
 * logs no error, and leaves no process, lock or active replication slot behind; a SIGKILL during a stop leaves nothing
 * that blocks the next start.
 */
class StopIT {

    private static final long STOP_LIMIT_SECONDS = 10;

    @TempDir
    Path work;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void killLeftovers() throws InterruptedException {
        for (Process p : started) {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** The shared PostgreSQL keeps a limited number of replication slots: these tests' slots go with them. */
    @org.junit.jupiter.api.AfterAll
    static void dropSlots() throws Exception {
        execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                + "WHERE slot_name IN ('stop_banner', 'stop_busy') AND NOT active");
    }

    @Test
    void shouldStopQuicklyAndCleanlyWhileItsOwnServersStartAndStartAgainAfterASigkillInTheMiddleOfAStop() throws Exception {
        Map<String, String> config = embedded();
        Process p = start(config, "own");
        // PostgreSQL is up and Kafka is starting: the moment a stop used to orphan the servers started so far
        awaitLog("own", "Embedded PostgreSQL listening", 60);
        stop(p, "own");
        assertNoErrorLogged("own");
        assertThat(Files.exists(work.resolve("own-data/postgres/postmaster.pid")))
                .as("the embedded PostgreSQL was stopped").isFalse();
        // started again: a SIGKILL in the middle of its stop leaves nothing that blocks the next start
        Process again = start(config, "own");
        awaitLog("own", "cdc-pipeline is running", 120);
        again.toHandle().destroy();
        awaitLog("own", "is shutting down", 10);
        again.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        Process third = start(config, "own");
        awaitLog("own", "cdc-pipeline is running", 120);
        stop(third, "own");
    }

    @Test
    void shouldStopQuicklyAndCleanlyRightAfterTheBannerWithTheLastBatchesInFlight() throws Exception {
        String schema = "stop_banner";
        execute("CREATE SCHEMA " + schema);
        Process p = start(shared(schema), "banner");
        awaitLog("banner", "cdc-pipeline is running", 120);
        // capture streams (its snapshot, which a stop interrupts with Debezium's own error line, is done)
        await().atMost(Duration.ofSeconds(60)).until(() -> column(
                "SELECT active FROM pg_replication_slots WHERE slot_name = '" + schema + "'").contains("t"));
        Files.copy(Samples.path("klienci.csv"), work.resolve("csv-banner").resolve("klienci.csv"));
        awaitLog("banner", "klienci: 40 rows imported", 60);
        stop(p, "banner");
        assertNoErrorLogged("banner");
        assertThat(column("SELECT active FROM pg_replication_slots WHERE slot_name = '" + schema + "'"))
                .as("the slot is kept, and released").containsExactly("f");
    }

    @Test
    void shouldStopQuicklyAndCleanlyDuringAnImportWhileS3IsAway() throws Exception {
        String schema = "stop_busy";
        execute("CREATE SCHEMA " + schema);
        int s3Port = Integer.parseInt(TestServices.endpoints().get("s3.endpoint").replaceAll(".*:", ""));
        try (TcpProxy s3 = new TcpProxy(s3Port)) {
            s3.up();
            Map<String, String> config = shared(schema);
            config.put("s3.endpoint", "http://127.0.0.1:" + s3.port());
            Process p = start(config, "busy");
            awaitLog("busy", "cdc-pipeline is running", 120);
            s3.down();
            Path big = work.resolve("klienci.csv.tmp");
            try (Writer w = Files.newBufferedWriter(big, StandardCharsets.UTF_8)) {
                w.write("id,nazwa,email,kraj,telefon\n");
                for (int id = 1; id <= 1_500_000; id++) {
                    w.write(id + ",Firma " + id + ",kontakt" + id + "@firma.pl,Polska,+48 600 000 000\n");
                }
            }
            Files.move(big, work.resolve("csv-busy").resolve("klienci.csv"), StandardCopyOption.ATOMIC_MOVE);
            await().atMost(Duration.ofSeconds(60)).until(() -> count(schema) > 0);
            stop(p, "busy");
            assertNoErrorLogged("busy");
            assertThat(column("SELECT active FROM pg_replication_slots WHERE slot_name = '" + schema + "'"))
                    .containsExactly("f");
            assertThat(work.resolve("csv-busy").resolve(".inprogress").resolve("klienci.csv"))
                    .as("not done: imported again at the next start").exists();
        }
    }

    /** Waits for a line in a process's log; on timeout, fails with the log. */
    private void awaitLog(String name, String text, int seconds) throws IOException {
        try {
            await().atMost(Duration.ofSeconds(seconds)).until(() -> log(name).contains(text));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("no '" + text + "' within " + seconds + " s in the log of " + name + ":\n" + log(name), e);
        }
    }

    /**
     * No ERROR line in the log, but for Debezium's own stop race (debezium-embedded 3.4): {@code AsyncEmbeddedEngine}
     * shuts its record executor down before its polling task, so records a poll returns at that moment are rejected
     * and the engine logs "Engine has failed with" a {@code RejectedExecutionException}. Nothing is lost: their position
     * was never saved, and the next start reads them again (docs/guarantees.md).
     */
    private void assertNoErrorLogged(String name) {
        String log = log(name);
        boolean stopRace = log.contains("rejected from java.util.concurrent.ThreadPoolExecutor")
                && log.contains("[Terminated,") && log.contains("ParallelSmtAndConvertConsumerProcessor.processRecords");
        assertThat(log.lines().filter(line -> line.contains(" ERROR "))
                .filter(line -> !(stopRace && line.contains(" AsyncEmbeddedEngine - ")
                        && (line.contains("Engine has failed with") || line.contains("RejectedExecutionException")))))
                .as(log).isEmpty();
    }

    /** SIGTERM, then the exit within the limit. */
    private void stop(Process p, String name) throws InterruptedException, IOException {
        long start = System.nanoTime();
        p.toHandle().destroy();
        boolean exited = p.waitFor(STOP_LIMIT_SECONDS, TimeUnit.SECONDS);
        assertThat(exited).as("exited within %d s of SIGTERM (%d ms so far); log:%n%s", STOP_LIMIT_SECONDS,
                (System.nanoTime() - start) / 1_000_000, log(name)).isTrue();
    }

    /**
     * Embedded PostgreSQL, Kafka and S3 of its own, on free ports (the endpoint variables stay unset: an environment
     * variable, even empty, would win over the embedded servers' endpoints).
     */
    private Map<String, String> embedded() {
        Map<String, String> config = new HashMap<>();
        config.put("postgres.port", String.valueOf(TestServices.freePort()));
        config.put("postgres.password", "stop-it");
        config.put("kafka.embedded.port", String.valueOf(TestServices.freePort()));
        config.put("kafka.embedded.controller-port", String.valueOf(TestServices.freePort()));
        config.put("s3.embedded.port", String.valueOf(TestServices.freePort()));
        return config;
    }

    /** The shared test servers, a schema, topics and a slot of its own. */
    private Map<String, String> shared(String schema) {
        Map<String, String> config = new HashMap<>(TestServices.endpoints());
        config.put("csv.schema", schema);
        config.put("topic.prefix", schema.replace("_", ""));
        config.put("cdc.slot-name", schema);
        config.put("cdc.publication-name", schema);
        config.put("archive.group-id", schema + "-archive");
        config.put("aggregate.enabled", "false");
        return config;
    }

    private Process start(Map<String, String> properties, String name) throws IOException {
        Map<String, String> config = new HashMap<>(properties);
        config.put("pipeline.data-dir", work.resolve(name + "-data").toString());
        config.put("csv.dir", Files.createDirectories(work.resolve("csv-" + name)).toString());
        config.put("csv.poll-delay-ms", "200");
        config.put("csv.read-lock-min-age-ms", "200");
        config.put("jmx.port", String.valueOf(TestServices.freePort()));
        config.put("observe.port", String.valueOf(TestServices.freePort()));
        config.put("dashboard.port", String.valueOf(TestServices.freePort()));
        Process p = PipelineJar.withEnvironment(ChildProcessEnv.of(config)).start(work.resolve(name + ".log"));
        started.add(p);
        return p;
    }

    private String log(String name) {
        return PipelineJar.output(work.resolve(name + ".log"));
    }

    private static long count(String schema) throws Exception {
        try {
            return Long.parseLong(column("SELECT count(*) FROM " + schema + ".klienci").get(0));
        } catch (java.sql.SQLException e) {
            return 0;
        }
    }
}
