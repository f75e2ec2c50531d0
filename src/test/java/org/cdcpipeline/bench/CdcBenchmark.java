package org.cdcpipeline.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.cdcpipeline.Pipeline;
import org.cdcpipeline.RunOptions;
import org.cdcpipeline.TestServices;
import org.cdcpipeline.embedded.EmbeddedServices;

import static org.awaitility.Awaitility.await;

/**
 * Change capture throughput and latency. 200,000 committed changes (inserts, updates, deletes; transactions of one
 * row and of 1,000 rows) are made while capture is stopped; then a route that only counts Debezium events (the
 * engine's ceiling on this machine) and the pipeline's cdc-capture route (to Kafka) each catch up on their own slot.
 * Then the latency from commit to the event being readable in Kafka, at a steady 1,000 changes/s. Last, the
 * count-only route catches up once more on a slot of its own, in a JVM whose code is compiled by then: how much of
 * the ceiling is the JIT's warm-up. Run with bench/cdc.sh; results in bench/results/cdc.md.
 */
public final class CdcBenchmark {

    private static final String SCHEMA = "bench";
    private static final String TOPIC = "bench.bench.klienci";
    /** Changes committed at a steady rate to measure the count-only route's latency. */
    private static final int LATENCY_CHANGES = 5000;
    private static String handedToProducer = "";
    private static String ceilingLatency = "";
    private static final Map<Integer, Long> CEILING_COMMITS = new ConcurrentHashMap<>();
    private static final List<Long> CEILING_LATENCIES = Collections.synchronizedList(new ArrayList<>());
    private static final java.util.regex.Pattern ID = java.util.regex.Pattern.compile("\"payload\":\\{\"id\":(\\d+)");

    public static void main(String[] args) throws Exception {
        int changes = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        Path work = Files.createDirectories(Path.of("bench", "work", "cdc"));
        Map<String, String> config = TestServices.privatePostgres(work.resolve("services"), "bench");
        config.put("kafka.bootstrap-servers", "");
        config.put("kafka.embedded.port", String.valueOf(TestServices.freePort()));
        config.put("kafka.embedded.controller-port", String.valueOf(TestServices.freePort()));
        try (EmbeddedServices services = EmbeddedServices.start(k -> config.getOrDefault(k, ""), true)) {
            String url = "jdbc:postgresql://127.0.0.1:" + config.get("postgres.port") + "/postgres";
            String kafka = services.endpoints().get("kafka.bootstrap-servers");
            try (Connection c = DriverManager.getConnection(url, "postgres", "bench"); Statement st = c.createStatement()) {
                st.execute("CREATE SCHEMA " + SCHEMA);
                st.execute("CREATE TABLE " + SCHEMA + ".klienci (id integer PRIMARY KEY, nazwa varchar(200) NOT NULL, "
                        + "email varchar(254), kraj varchar(100), telefon varchar(50))");
                st.execute("ALTER TABLE " + SCHEMA + ".klienci REPLICA IDENTITY FULL");
                st.execute("CREATE PUBLICATION bench FOR TABLE " + SCHEMA + ".klienci");
                st.execute("SELECT pg_create_logical_replication_slot('bench_ceiling', 'pgoutput')");
                st.execute("SELECT pg_create_logical_replication_slot('bench_ceiling_warm', 'pgoutput')");
                st.execute("SELECT pg_create_logical_replication_slot('bench_pipeline', 'pgoutput')");
                st.execute("SELECT pg_create_logical_replication_slot('bench_decode', 'pgoutput')");
            }
            long made = makeChanges(url, changes, 0);

            double decodeRate = decodeRate(config, made);

            double ceiling = countOnlyRate(config, work, "bench_ceiling", made, true);

            Map<String, String> settings = new HashMap<>(config);
            settings.putAll(services.endpoints());
            settings.put("pipeline.data-dir", work.resolve("pipeline").toString());
            settings.put("csv.dir", work.resolve("csv").toString());
            settings.put("csv.schema", SCHEMA);
            settings.put("csv.schema-dir", work.resolve("no-schema").toString());
            settings.put("topic.prefix", "bench");
            settings.put("cdc.slot-name", "bench_pipeline");
            settings.put("cdc.publication-name", "bench");
            settings.put("cdc.tables", SCHEMA + ".klienci");
            settings.put("cdc.snapshot-mode", "no_data");
            settings.put("aggregate.enabled", "false");
            System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("cdc.") || k.startsWith("camel."))
                    .forEach(k -> settings.put(k, System.getProperty(k)));
            Pipeline pipeline = new Pipeline(new RunOptions(false, false, false), settings);
            Thread runner = new Thread(pipeline::run, "bench-pipeline");
            runner.start();
            double pipelineRate = catchUpRate(kafka, made, Map.of());
            List<Long> latencies = latencyAtSteadyRate(url, kafka, 1000, Duration.ofSeconds(20));
            pipeline.stop();
            runner.join();
            // as many changes again, caught up by a pipeline started anew in this JVM, whose code capture's first run
            // compiled: the rate of a pipeline that has been running a while
            Map<TopicPartition, Long> topicEnd = topicEnd(kafka);
            long madeAgain = makeChanges(url, changes, 100_000_000);
            Pipeline again = new Pipeline(new RunOptions(false, false, false), settings);
            Thread againRunner = new Thread(again::run, "bench-pipeline-warm");
            againRunner.start();
            double warmPipelineRate = catchUpRate(kafka, madeAgain, topicEnd);
            again.stop();
            againRunner.join();
            // the count-only route again, last, in a JVM that has run it and capture: the engine once its code is
            // compiled (every change made so far: the catch-up's, both latency measurements', the warm catch-up's)
            double warmCeiling = countOnlyRate(config, work, "bench_ceiling_warm",
                    made + LATENCY_CHANGES + 20_000 + madeAgain, false);

            Collections.sort(latencies);
            long p50 = latencies.get(latencies.size() / 2);
            long p99 = latencies.get((int) (latencies.size() * 0.99));
            String report = String.join("\n",
                    "# Change capture benchmark, " + Instant.now(),
                    "",
                    made + " committed changes on one table (inserts, updates, deletes; half in transactions of one row, "
                            + "half in transactions of 1,000), made while capture was stopped, then caught up. "
                            + "PostgreSQL 17 and the Kafka broker on the same machine, "
                            + Runtime.getRuntime().availableProcessors() + " cores, Java " + Runtime.version() + " ("
                            + System.getProperty("java.vm.vendor") + ").",
                    "",
                    "| case | events/s | vs ceiling | vs PostgreSQL decoding |",
                    "|---|---:|---:|---:|",
                    String.format("| PostgreSQL decoding and streaming the changes (pg_recvlogical, pgoutput, into /dev/null) | %.0f | - | 1.00 |",
                            decodeRate),
                    String.format("| Debezium events counted by a route that does nothing else (ceiling) | %.0f | 1.00 | %.2f |",
                            ceiling, ceiling / decodeRate),
                    String.format("| the same route once more at the end, its code compiled by then (warm ceiling) | %.0f | %.2f | %.2f |",
                            warmCeiling, warmCeiling / ceiling, warmCeiling / decodeRate),
                    String.format("| cdc-capture: change events in Kafka (acks=all, idempotent) | %.0f | %.2f | %.2f |", pipelineRate,
                            pipelineRate / ceiling, pipelineRate / decodeRate),
                    String.format("| cdc-capture started again, its code compiled by then (warm: vs the warm ceiling) | %.0f | %.2f | %.2f |",
                            warmPipelineRate, warmPipelineRate / warmCeiling, warmPipelineRate / decodeRate),
                    "",
                    String.format("Commit to readable in Kafka at a steady 1,000 changes/s over 20 s (%d changes): p50 %d ms, p99 %d ms",
                            latencies.size(), p50, p99) + " (of which " + handedToProducer + "). The count-only route at the "
                            + "same rate, commit to the route: " + ceilingLatency + ".",
                    "",
                    String.format("Targets: >= 0.90x the ceiling (%s); >= 0.35x PostgreSQL's decoding (%s in a fresh JVM, "
                            + "%s warm); p99 < 250 ms (%s).",
                            pipelineRate / ceiling >= 0.9 ? "met" : "MISSED",
                            pipelineRate / decodeRate >= 0.35 ? "met" : "MISSED",
                            warmPipelineRate / decodeRate >= 0.35 ? "met" : "MISSED", p99 < 250 ? "met" : "MISSED"),
                    "");
            System.out.println(report);
            Files.writeString(Files.createDirectories(Path.of("bench", "results")).resolve("cdc.md"), report);
        }
    }

    /** Inserts, then updates and deletes, half one row per transaction, half 1,000 rows per transaction. */
    private static long makeChanges(String url, int changes, int idsAfter) throws Exception {
        int rows = changes / 2;
        long made = 0;
        try (Connection c = DriverManager.getConnection(url, "postgres", "bench")) {
            c.setAutoCommit(false);
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + SCHEMA + ".klienci VALUES (?, ?, ?, 'Polska', '+48 600 000 000')");
                 PreparedStatement update = c.prepareStatement("UPDATE " + SCHEMA + ".klienci SET kraj = 'Niemcy' WHERE id = ?");
                 PreparedStatement delete = c.prepareStatement("DELETE FROM " + SCHEMA + ".klienci WHERE id = ?")) {
                for (int i = 1; i <= rows; i++) {
                    int id = idsAfter + i;
                    insert.setInt(1, id);
                    insert.setString(2, "Firma " + id);
                    insert.setString(3, "biuro" + id + "@firma.pl");
                    insert.executeUpdate();
                    made++;
                    if (i > rows / 2 || i % 1000 == 0) {
                        c.commit();
                    }
                }
                c.commit();
                for (int i = 1; i <= rows; i++) {
                    PreparedStatement change = i % 4 == 0 ? delete : update;
                    change.setInt(1, idsAfter + i);
                    change.executeUpdate();
                    made++;
                    if (i > rows / 2 || i % 1000 == 0) {
                        c.commit();
                    }
                }
                c.commit();
            }
        }
        return made;
    }

    /**
     * PostgreSQL's own rate for the same changes: pg_recvlogical streams the slot with pgoutput (decoded by the server,
     * as for Debezium) into /dev/null, up to the current end of the WAL.
     */
    private static double decodeRate(Map<String, String> config, long changes) throws Exception {
        String endpos;
        String url = "jdbc:postgresql://127.0.0.1:" + config.get("postgres.port") + "/postgres";
        try (Connection c = DriverManager.getConnection(url, "postgres", "bench"); Statement st = c.createStatement();
             java.sql.ResultSet rs = st.executeQuery("SELECT pg_current_wal_lsn()")) {
            rs.next();
            endpos = rs.getString(1);
        }
        ProcessBuilder pb = new ProcessBuilder(pgRecvLogical(), "-h", "127.0.0.1", "-p", config.get("postgres.port"),
                "-U", "postgres", "-d", "postgres", "--slot", "bench_decode", "--start", "--endpos", endpos,
                "-o", "proto_version=1", "-o", "publication_names=bench", "-f", "/dev/null", "--no-loop");
        pb.environment().put("PGPASSWORD", "bench");
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.INHERIT);
        long start = System.nanoTime();
        int exit = pb.start().waitFor();
        double seconds = (System.nanoTime() - start) / 1e9;
        if (exit != 0) {
            throw new IllegalStateException("pg_recvlogical exited with " + exit);
        }
        return changes / seconds;
    }

    /** pg_recvlogical of the PostgreSQL client (bench/cdc.sh installs it when missing). */
    private static String pgRecvLogical() throws java.io.IOException {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, "pg_recvlogical"))) {
                return Path.of(dir, "pg_recvlogical").toString();
            }
        }
        try (var versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            return versions.map(v -> v.resolve("bin/pg_recvlogical")).filter(Files::isExecutable).findFirst()
                    .orElseThrow(() -> new IllegalStateException("pg_recvlogical not found: install postgresql-client"))
                    .toString();
        }
    }

    private static double countOnlyRate(Map<String, String> config, Path work, String slot, long expected,
            boolean measureLatency) throws Exception {
        AtomicLong counted = new AtomicLong();
        AtomicLong first = new AtomicLong();
        AtomicLong last = new AtomicLong();
        try (CamelContext context = new DefaultCamelContext()) {
            context.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("debezium-postgres:ceiling?databaseHostname=127.0.0.1&databasePort=" + config.get("postgres.port")
                            + "&databaseUser=postgres&databasePassword=bench&databaseDbname=postgres&topicPrefix=ceiling"
                            + "&pluginName=pgoutput&slotName=" + slot + "&publicationName=bench"
                            + "&publicationAutocreateMode=disabled&tableIncludeList=" + SCHEMA + ".klienci&snapshotMode=no_data"
                            + "&pollIntervalMs=20&offsetStorageFileName=" + work.resolve(slot + "-offsets.dat").toAbsolutePath())
                            .routeId("count-only")
                            .process(e -> {
                                long now = System.nanoTime();
                                first.compareAndSet(0, now);
                                last.set(now);
                                counted.incrementAndGet();
                                if (e.getIn().getBody() instanceof org.apache.kafka.connect.data.Struct row) {
                                    Long at = CEILING_COMMITS.get(row.getInt32("id"));
                                    if (at != null) {
                                        CEILING_LATENCIES.add(System.currentTimeMillis() - at);
                                    }
                                }
                            });
                }
            });
            context.start();
            await().atMost(Duration.ofMinutes(10)).until(() -> counted.get() >= expected);
            if (!measureLatency) {
                return (counted.get() - 1) / ((last.get() - first.get()) / 1e9);
            }
            // the engine alone: commit to the route at a steady rate
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + config.get("postgres.port") + "/postgres",
                    "postgres", "bench");
                 PreparedStatement insert = c.prepareStatement("INSERT INTO " + SCHEMA + ".klienci VALUES (?, 'Ceiling', NULL, 'Polska', NULL)")) {
                long start = System.nanoTime();
                for (int i = 0; i < LATENCY_CHANGES; i++) {
                    while (System.nanoTime() < start + i * 1_000_000L) {
                        Thread.onSpinWait();
                    }
                    insert.setInt(1, 20_000_000 + i);
                    // noted before the commit: the event can reach the route before executeUpdate returns
                    CEILING_COMMITS.put(20_000_000 + i, System.currentTimeMillis());
                    insert.executeUpdate();
                }
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> CEILING_LATENCIES.size() >= LATENCY_CHANGES);
            List<Long> sorted = new ArrayList<>(CEILING_LATENCIES);
            Collections.sort(sorted);
            ceilingLatency = sorted.isEmpty() ? "none measured" : "p50 " + sorted.get(sorted.size() / 2) + " ms, p99 "
                    + sorted.get((int) (sorted.size() * 0.99)) + " ms";
        }
        return (counted.get() - 1) / ((last.get() - first.get()) / 1e9);
    }

    /** Change events per second between the first and the last of {@code expected} after {@code from} (empty: all). */
    private static double catchUpRate(String kafka, long expected, Map<TopicPartition, Long> from) {
        long events = 0;
        long first = 0;
        long last = 0;
        try (KafkaConsumer<String, String> consumer = consumer(kafka)) {
            if (from.isEmpty()) {
                consumer.subscribe(List.of(TOPIC));
            } else {
                consumer.assign(from.keySet());
                from.forEach(consumer::seek);
            }
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (events < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                    if (r.value() != null) {
                        events++;
                        first = first == 0 ? r.timestamp() : Math.min(first, r.timestamp());
                        last = Math.max(last, r.timestamp());
                    }
                }
            }
        }
        return (events - 1) / ((last - first) / 1000.0);
    }

    /** Inserts at a steady rate, one row per transaction, and reads each event back from Kafka. */
    private static List<Long> latencyAtSteadyRate(String url, String kafka, int perSecond, Duration duration) throws Exception {
        Map<Integer, Long> committedAt = new ConcurrentHashMap<>();
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        List<Long> toProducer = Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicBoolean readerReady = new java.util.concurrent.atomic.AtomicBoolean();
        int total = (int) (perSecond * duration.toSeconds());
        int firstId = 10_000_000;
        Thread reader = new Thread(() -> {
            try (KafkaConsumer<String, String> consumer = consumer(kafka)) {
                consumer.subscribe(List.of(TOPIC));
                consumer.poll(Duration.ofMillis(500));
                consumer.seekToEnd(consumer.assignment());
                consumer.assignment().forEach(consumer::position);
                readerReady.set(true);
                long deadline = System.nanoTime() + duration.plusSeconds(30).toNanos();
                while (latencies.size() < total && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(5))) {
                        long seen = System.currentTimeMillis();
                        java.util.regex.Matcher m = ID.matcher(r.key());
                        if (!m.find()) {
                            continue;
                        }
                        int id = Integer.parseInt(m.group(1));
                        Long at = committedAt.get(id);
                        if (at != null && r.value() != null) {
                            latencies.add(seen - at);
                            toProducer.add(r.timestamp() - at);
                        }
                    }
                }
            }
        }, "latency-reader");
        reader.start();
        await().atMost(Duration.ofSeconds(30)).untilTrue(readerReady);
        try (Connection c = DriverManager.getConnection(url, "postgres", "bench");
             PreparedStatement insert = c.prepareStatement("INSERT INTO " + SCHEMA + ".klienci VALUES (?, 'Latency', NULL, 'Polska', NULL)")) {
            long start = System.nanoTime();
            long interval = 1_000_000_000L / perSecond;
            for (int i = 0; i < total; i++) {
                long due = start + i * interval;
                while (System.nanoTime() < due) {
                    Thread.onSpinWait();
                }
                insert.setInt(1, firstId + i);
                // noted just before the statement: a fast event can be read before executeUpdate returns
                committedAt.put(firstId + i, System.currentTimeMillis());
                insert.executeUpdate();
            }
        }
        reader.join();
        Collections.sort(toProducer);
        handedToProducer = "commit to the Kafka producer's timestamp: p50 " + toProducer.get(toProducer.size() / 2) + " ms, p99 "
                + toProducer.get((int) (toProducer.size() * 0.99)) + " ms";
        return new ArrayList<>(latencies);
    }

    private static Map<TopicPartition, Long> topicEnd(String kafka) {
        try (KafkaConsumer<String, String> consumer = consumer(kafka)) {
            return consumer.endOffsets(consumer.partitionsFor(TOPIC).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList());
        }
    }

    private static KafkaConsumer<String, String> consumer(String kafka) {
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka);
        p.put("group.id", "bench-" + UUID.randomUUID());
        p.put("auto.offset.reset", "earliest");
        p.put("enable.auto.commit", "false");
        // a reader that waits for nothing: what is measured is the pipeline, not the fetch wait
        p.put("fetch.max.wait.ms", "5");
        return new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
    }
}
