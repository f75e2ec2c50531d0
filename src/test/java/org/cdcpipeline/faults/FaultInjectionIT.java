package org.cdcpipeline.faults;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.kafka.common.utils.ThreadUtils;
import org.awaitility.core.ConditionTimeoutException;
import org.cdcpipeline.PipelineJar;
import org.cdcpipeline.faults.AuditTrail.AuditedChange;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The pipeline under continuous change and random faults, run as a user runs it (the fat jar as a child process) against
 * a PostgreSQL, Kafka broker and S3 server of its own. Each round waits 6-17 s and injects one fault; at the end every
 * change the database committed must be in the raw archive exactly once, in commit order per row, and every shipped
 * aggregate must equal its GROUP BY.
 *
 * <p>{@code -Dfaults.seed=N} replays a run's draws (the seed is printed), {@code -Dfaults.rounds=N} sets the number of
 * rounds (10 by default), {@code -Dfaults.pause-ms=N} the pause of each load client between statements. Logs of every
 * pipeline start, the timeline, the summary and the diagnosis stay in {@code target/fault-injection/run-<time>/}.
 */
class FaultInjectionIT {

    private static final String TOPIC_PREFIX = "dbserver1.public.";
    private static final String SLOT = "cdc_pipeline";
    private static final Duration CATCH_UP = Duration.ofMinutes(4);
    /** No new archive object for this long (10 batch ages, several retry delays): the archive has nothing pending. */
    private static final Duration ARCHIVE_SETTLED = Duration.ofSeconds(20);

    private static final String SEED_OTHER_TABLES = """
            INSERT INTO pracownicy (id, imie, nazwisko, stanowisko, wiek, email, data_zatrudnienia, pensja)
            SELECT g, 'Imię ' || g, 'Nazwisko ' || g, (ARRAY['programista', 'analityk', 'kierownik', 'tester'])[1 + g % 4],
                   20 + (g * 7) % 40, 'p' || g || '@firma.pl', date '2020-01-01' + g, 5000 + g * 10.5
              FROM generate_series(1, 30) g;
            UPDATE pracownicy SET stanowisko = 'kierownik', wiek = wiek + 1 WHERE id % 5 = 0;
            DELETE FROM pracownicy WHERE id IN (7, 8);
            INSERT INTO projekty (id, nazwa, status, budzet, data_rozpoczecia, klient_id, kierownik_id)
            SELECT g, 'Projekt ' || g, (ARRAY['planowany', 'w_trakcie', 'zakonczony', 'wstrzymany'])[1 + g % 4],
                   10000 + g * 1234.56, date '2024-01-01' + g, g, g
              FROM generate_series(1, 30) g;
            UPDATE projekty SET status = 'zakonczony', budzet = budzet * 2 WHERE id % 3 = 0;
            DELETE FROM projekty WHERE id = 4;
            INSERT INTO zamowienia (id, klient_id, wartosc, data)
            SELECT g, 1 + g % 25, 100 + g * 12.34, date '2024-06-01' + g FROM generate_series(1, 40) g;
            UPDATE zamowienia SET klient_id = 2, wartosc = wartosc + 1 WHERE id % 4 = 0;
            DELETE FROM zamowienia WHERE id = 5;
            """;

    @Test
    void shouldArchiveEveryChangeExactlyOnceUnderRandomFaults() throws Exception {
        long seed = Long.parseLong(System.getProperty("faults.seed", String.valueOf(new Random().nextLong())));
        int rounds = Integer.getInteger("faults.rounds", 10);
        Duration pause = Duration.ofMillis(Long.getLong("faults.pause-ms", 5));
        Random random = new Random(seed);
        Path work = Files.createDirectories(Path.of("target", "fault-injection",
                "run-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))).toAbsolutePath());
        System.out.printf("Fault injection: seed %d (-Dfaults.seed=%d replays the draws), %d rounds, logs in %s%n",
                seed, seed, rounds, work);
        long started = System.nanoTime();
        FaultTimeline timeline = new FaultTimeline();

        try (FaultServers servers = FaultServers.start(work);
             PipelineProcess pipeline = new PipelineProcess(work, PipelineProcess.settings(servers, work))) {
            createCapturedTablesWithAudit(servers);
            pipeline.start();
            awaitCaptureStreaming(servers);

            MidRunTable midRunTable = new MidRunTable(servers, timeline);
            ChangeLoad load = new ChangeLoad(servers, midRunTable, seed, pause);
            load.start();
            midRunTable.createAfter(Duration.ofMillis(3_000 + random.nextInt(15_000)));
            ScheduledExecutorService faults =
                    Executors.newSingleThreadScheduledExecutor(ThreadUtils.createThreadFactory("fault-rounds", true));
            try {
                for (int round = 1; round <= rounds; round++) {
                    // the quiet part of the round, under load; then the fault, injected and repaired
                    long quietMs = 6_000 + random.nextInt(11_001);
                    Fault fault = Fault.values()[random.nextInt(Fault.values().length)];
                    int number = round;
                    awaitRound(faults.schedule(() -> {
                        Instant at = Instant.now();
                        System.out.printf("round %d: %s%n", number, fault.description());
                        timeline.injected(number, fault, at, fault.inject(servers, pipeline));
                        restartIfExited(pipeline, timeline);
                        return null;
                    }, quietMs, TimeUnit.MILLISECONDS));
                }
            } finally {
                faults.shutdownNow();
            }
            await("the table created mid-run is captured")
                    .atMost(Duration.ofMinutes(2)).until(midRunTable::isCaptured);
            load.close();
            midRunTable.close();
            System.out.printf("Load stopped: %d statements committed, %d failed%n", load.statementsCommitted(), load.statementsFailed());
            Files.writeString(work.resolve("timeline.txt"), timeline.toString());

            restartIfExited(pipeline, timeline);
            awaitCaptureCaughtUp(servers, timeline);
            try (ArchiveContents archive = new ArchiveContents(servers.s3DirectEndpoint(), servers.s3AccessKey(),
                    servers.s3SecretKey(), FaultServers.BUCKET)) {
                List<AuditedChange> audited;
                try (Connection c = servers.connect()) {
                    audited = AuditTrail.read(c);
                }
                awaitArchiveSettled(archive, audited);
                List<String> aggregateDifferences = awaitAggregatesEqualGroupBy(servers, archive);

                KafkaChanges kafka = KafkaChanges.read(servers.kafkaBootstrap(), TOPIC_PREFIX);
                ArchiveCheck.Result result = ArchiveCheck.compare(audited, archive.rows());
                ArchiveDiagnosis diagnosis = new ArchiveDiagnosis(result, kafka, archive, timeline);
                RunSummary summary = RunSummary.of(seed, rounds, timeline, (System.nanoTime() - started) / 1_000_000_000,
                        result, diagnosis, aggregateDifferences);
                summary.write(work.resolve("summary.properties"));
                String report = "Seed " + seed + " (-Dfaults.seed=" + seed + "), " + rounds + " rounds; logs in " + work
                        + "\nTimeline (UTC):\n" + timeline
                        + diagnosis.explain()
                        + (aggregateDifferences.isEmpty() ? "Aggregates: each equals its GROUP BY\n"
                        : "Aggregates differing from GROUP BY:\n  " + String.join("\n  ", aggregateDifferences) + "\n");
                Files.writeString(work.resolve("diagnosis.txt"), report, StandardCharsets.UTF_8);
                System.out.println(report);

                assertThat(timeline.incidents()).as(report).isEmpty();
                assertThat(result.exact()).as(report).isTrue();
                assertThat(aggregateDifferences).as(report).isEmpty();
            }
        }
        deleteServerData(work);
    }

    /**
     * The tables the load changes, created before the pipeline starts (so capture's first snapshot finds them empty),
     * each with its audit trigger in place before any row is written.
     */
    private static void createCapturedTablesWithAudit(FaultServers servers) throws Exception {
        servers.execute(AuditTrail.SETUP);
        for (String table : List.of("klienci", "pracownicy", "projekty", "zamowienia")) {
            servers.execute(Files.readString(Path.of("schema", table + ".sql")));
            servers.execute(AuditTrail.recordChangesOf(table));
        }
    }

    /**
     * Capture streams changes: its slot exists, and changes made now to the other tables of the shipped aggregates
     * arrive in Kafka as change events. Had capture's first snapshot run after them, they would arrive as snapshot
     * rows (op r), which the audit trail cannot match; the load starts only once that cannot happen.
     */
    private static void awaitCaptureStreaming(FaultServers servers) throws Exception {
        await("replication slot " + SLOT).atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                .until(() -> slotExists(servers));
        servers.execute(SEED_OTHER_TABLES);
        List<AuditedChange> seeded;
        try (Connection c = servers.connect()) {
            seeded = AuditTrail.read(c);
        }
        await("the first changes in Kafka").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                .until(() -> ArchiveCheck.notInKafka(seeded,
                        ArchiveCheck.kafkaIndex(KafkaChanges.read(servers.kafkaBootstrap(), TOPIC_PREFIX))).isEmpty());
        assertThat(KafkaChanges.read(servers.kafkaBootstrap(), TOPIC_PREFIX).records())
                .as("changes made after the slot was created are streamed, not part of a snapshot")
                .noneMatch(r -> "r".equals(r.op()));
    }

    private static boolean slotExists(FaultServers servers) {
        try (Connection c = servers.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT 1 FROM pg_replication_slots WHERE slot_name = '" + SLOT + "'")) {
            return rs.next();
        } catch (Exception e) {
            return false;
        }
    }

    /** A pipeline that exited on its own is an incident of the run (reported at the end); it is started again. */
    /** Waits until a round's fault has been injected and repaired; its failure fails the run. */
    private static void awaitRound(Future<?> round) throws Exception {
        try {
            round.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    private static void restartIfExited(PipelineProcess pipeline, FaultTimeline timeline) throws IOException {
        if (!pipeline.isAlive()) {
            timeline.incident("the pipeline " + pipeline.exitDescription() + " on its own; last lines of "
                    + pipeline.currentLog().getFileName() + ":\n" + PipelineJar.tail(pipeline.currentLog(), 20));
            pipeline.start();
        }
    }

    /**
     * Capture has published everything committed: the slot's confirmed position (moved only once Kafka acknowledged the
     * events before it) passes the WAL position of now, which the heartbeat's own WAL message carries it past.
     */
    private static void awaitCaptureCaughtUp(FaultServers servers, FaultTimeline timeline) throws Exception {
        String endLsn;
        try (Connection c = servers.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_current_wal_lsn()::text")) {
            rs.next();
            endLsn = rs.getString(1);
        }
        String caughtUp = "SELECT confirmed_flush_lsn >= '" + endLsn + "'::pg_lsn FROM pg_replication_slots WHERE slot_name = '" + SLOT + "'";
        try {
            await("capture past " + endLsn).atMost(CATCH_UP).pollInterval(Duration.ofSeconds(1)).until(() -> {
                try (Connection c = servers.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(caughtUp)) {
                    return rs.next() && rs.getBoolean(1);
                }
            });
        } catch (ConditionTimeoutException e) {
            timeline.incident("capture did not confirm WAL position " + endLsn + " within " + CATCH_UP);
        }
    }

    /**
     * The archive has every committed change, or has written nothing new for {@link #ARCHIVE_SETTLED} (what is still
     * missing then is lost, not late).
     */
    private static void awaitArchiveSettled(ArchiveContents archive, List<AuditedChange> audited) {
        Instant[] lastNewObject = {Instant.now()};
        await("the raw archive settles").atMost(CATCH_UP).pollInterval(Duration.ofSeconds(2)).until(() -> {
            if (archive.refresh()) {
                lastNewObject[0] = Instant.now();
                return ArchiveCheck.compare(audited, archive.rows()).missing().isEmpty();
            }
            return Duration.between(lastNewObject[0], Instant.now()).compareTo(ARCHIVE_SETTLED) >= 0;
        });
    }

    /** Snapshots are written every aggregate.snapshot-interval-ms once their state changed: wait for the last one. */
    private static List<String> awaitAggregatesEqualGroupBy(FaultServers servers, ArchiveContents archive) throws Exception {
        List<String> differences = new ArrayList<>();
        try {
            await("aggregates equal GROUP BY").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(2)).until(() -> {
                try (Connection c = servers.connect()) {
                    differences.clear();
                    differences.addAll(AggregateCheck.differences(c, archive));
                    return differences.isEmpty();
                }
            });
        } catch (ConditionTimeoutException e) {
            // the differences of the last look are the finding
        }
        return differences;
    }

    /** The servers' data of a passed run is of no further use; its logs and summary stay. */
    private static void deleteServerData(Path work) throws IOException {
        for (String dir : List.of("postgres", "kafka", "s3", "pipeline-data")) {
            Path root = work.resolve(dir);
            if (Files.exists(root)) {
                try (Stream<Path> tree = Files.walk(root)) {
                    for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
        }
    }
}
