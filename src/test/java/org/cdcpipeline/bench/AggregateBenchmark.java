package org.cdcpipeline.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.cdcpipeline.Pipeline;
import org.cdcpipeline.RunOptions;
import org.cdcpipeline.TestServices;
import org.cdcpipeline.aggregate.AggregateDefinition;
import org.cdcpipeline.aggregate.AggregateSnapshot;
import org.cdcpipeline.aggregate.AggregateStore;
import org.cdcpipeline.embedded.EmbeddedServices;

import static org.awaitility.Awaitility.await;

/**
 * Aggregate throughput: a topic pre-filled with change events of one table in the cdc-capture route's format
 * (inserts, then updates that move rows between 1,000 groups, then deletes with their tombstones) is applied by the
 * shipped klienci-by-country aggregate (count per kraj) from the start; events/s, the JVM's peak heap, and the time to
 * write one complete snapshot of 1,000 groups to S3. The result is checked against the counts the generator expects.
 * Run with bench/aggregate.sh; results in bench/results/aggregate.md.
 */
public final class AggregateBenchmark {

    /** The shipped aggregate the benchmark applies (its source table's schema does not matter here). */
    private static final AggregateDefinition KLIENCI_BY_COUNTRY = new AggregateDefinition("klienci-by-country",
            "dbserver1", "public", "klienci", "kraj", "count", "", "");

    private static final String TOPIC = "bench.bench.klienci";
    private static final int GROUPS = 1000;

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        Path work = Files.createDirectories(Path.of("bench", "work", "aggregate"));
        Map<String, String> config = TestServices.privateServices(work.resolve("services"), "bench");
        try (EmbeddedServices services = EmbeddedServices.start(k -> config.getOrDefault(k, ""), true)) {
            String kafka = services.endpoints().get("kafka.bootstrap-servers");
            Map<String, Long> expected = fillTopic(kafka, events);
            Map<String, BigDecimal> expectedJoin = fillProjects(kafka, events / 2);
            lastOffset = events - 1 + expectedTombstones;
            projectsLastOffset = events / 2 - 1;

            Map<String, String> settings = new HashMap<>(services.endpoints());
            settings.put("s3.bucket", "processed-data");
            settings.put("pipeline.data-dir", work.resolve("data").toString());
            settings.put("csv.dir", work.resolve("csv").toString());
            settings.put("csv.schema", "bench");
            settings.put("topic.prefix", "bench");
            settings.put("cdc.enabled", "false");
            settings.put("aggregate.enabled", "true");
            settings.put("archive.enabled", "false");
            settings.put("aggregate.state-schema", "bench_state");
            settings.put("aggregate.snapshot-prefix", "bench/");
            System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("aggregate.") || k.startsWith("camel."))
                    .forEach(k -> settings.put(k, System.getProperty(k)));
            String url = "jdbc:postgresql://127.0.0.1:" + config.get("postgres.port") + "/postgres";

            // the shipped klienci-by-country alone, as earlier results measured it
            resetPeakHeap();
            Pipeline pipeline = startAlone("klienci-by-country", settings);
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(20)).until(() -> applied(url) >= 0);
            long start = System.nanoTime();
            await().atMost(Duration.ofMinutes(30)).pollInterval(Duration.ofMillis(100)).until(() -> applied(url) >= lastOffset);
            double seconds = (System.nanoTime() - start) / 1e9;
            double rate = (events + expectedTombstones) / seconds;
            long peakHeapMiB = peakHeap() / (1024 * 1024);

            CamelContext context = pipeline.context();
            AggregateStore store = context.getRegistry().lookupByNameAndType("aggregateStore", AggregateStore.class);
            AggregateSnapshot state = store.current(KLIENCI_BY_COUNTRY);
            Map<String, Long> actual = new TreeMap<>();
            state.groups().forEach(g -> actual.put(g.group(), g.rows()));

            List<Long> snapshotMillis = new ArrayList<>();
            try (ProducerTemplate producer = context.createProducerTemplate()) {
                for (int i = 0; i < 5; i++) {
                    long t = System.nanoTime();
                    producer.requestBody("direct:aggregate-snapshot-write", store.current(KLIENCI_BY_COUNTRY));
                    snapshotMillis.add((System.nanoTime() - t) / 1_000_000);
                }
            }
            Collections.sort(snapshotMillis);
            stop(pipeline);

            // then the shipped joined aggregate alone: the same client records, and the project changes joined to them
            pipeline = startAlone("budget-by-client-country", settings);
            long joinStart = System.nanoTime();
            await().atMost(Duration.ofMinutes(30)).pollInterval(Duration.ofMillis(100)).until(() -> appliedByJoin(url) >= 0);
            double joinSeconds = (System.nanoTime() - joinStart) / 1e9;
            double joinRate = (events + expectedTombstones + events / 2) / joinSeconds;
            Map<String, BigDecimal> joined = new TreeMap<>();
            pipeline.context().getRegistry().lookupByNameAndType("aggregateStore", AggregateStore.class)
                    .current(BUDGET_BY_CLIENT_COUNTRY).groups().forEach(g -> joined.put(String.valueOf(g.group()), g.value()));
            stop(pipeline);
            boolean correct = actual.equals(expected) && joined.equals(expectedJoin);

            double cdcRate = cdcRate();
            String report = String.join("\n",
                    "# Aggregate benchmark, " + Instant.now(),
                    "",
                    String.format("%d change events of one table in a topic (%d inserts, then updates moving rows between %d "
                            + "groups, then deletes, each followed by its tombstone: %d records), applied from the start by "
                            + "the shipped klienci-by-country aggregate (count per kraj), the only aggregate running: each batch "
                            + "and its offsets in one PostgreSQL transaction. Then the shipped joined aggregate "
                            + "budget-by-client-country alone, from the start of the same records and of " + (events / 2)
                            + " changes of " + PROJECTS + " projects pointing to them (every change moves a project to another "
                            + "client and changes its budget). PostgreSQL 17, the Kafka broker and the S3 server in the same JVM/machine, %d cores, Java %s (%s).",
                            events, ROWS, GROUPS, events + expectedTombstones, Runtime.getRuntime().availableProcessors(),
                            Runtime.version(), System.getProperty("java.vm.vendor")),
                    "",
                    "| measure | value |",
                    "|---|---:|",
                    String.format("| records applied per second | %.0f |", rate),
                    String.format("| time to apply all | %.1f s |", seconds),
                    String.format("| joined aggregate budget-by-client-country: %d project changes and the %d client "
                            + "records it joins, applied per second | %.0f |", events / 2, events + expectedTombstones, joinRate),
                    String.format("| joined aggregate: time to apply both topics | %.1f s |", joinSeconds),
                    String.format("| peak heap of the JVM (pipeline and embedded servers) while klienci-by-country applies, MiB | %d |",
                            peakHeapMiB),
                    String.format("| one complete snapshot of %d groups to S3 (query, Parquet, two puts, history trim), median of 5 | %d ms |",
                            actual.size(), snapshotMillis.get(2)),
                    "",
                    "Result equals the counts (and the joined sums) the generator expects: " + (correct ? "yes" : "NO"),
                    "",
                    cdcRate > 0 ? String.format("Target: >= the change capture benchmark's rate (%.0f events/s in bench/results/cdc.md): %s.",
                            cdcRate, rate >= cdcRate ? "met" : "MISSED") : "Target: >= the change capture benchmark's rate (no result in bench/results/cdc.md).",
                    "");
            System.out.println(report);
            Files.writeString(Files.createDirectories(Path.of("bench", "results")).resolve("aggregate.md"), report);
            if (!correct) {
                System.exit(1);
            }
        }
    }

    private static final int ROWS = 100_000;
    private static final int PROJECTS = 50_000;
    private static final AggregateDefinition BUDGET_BY_CLIENT_COUNTRY = new AggregateDefinition("budget-by-client-country",
            "bench", "bench", "projekty", "kraj", "sum", "budzet", "", "klienci", "klient_id");
    /** The client each client id ends in (kraj-N), null once deleted: fillTopic keeps it for fillProjects. */
    private static Map<Integer, Integer> clients = Map.of();
    private static long lastOffset;
    private static long projectsLastOffset;
    private static long expectedTombstones;

    /**
     * Writes the events in the cdc-capture route's format and returns what count per group they must end in: rows
     * 1..ROWS inserted, then updated round after round (each round moves every row to another group), then the last
     * 5 % of the events delete rows (each delete followed by a tombstone, as capture writes them).
     */
    private static Map<String, Long> fillTopic(String kafka, int events) throws Exception {
        Map<Integer, Integer> groupOf = new HashMap<>();
        int deletesFrom = events - events / 20;
        try (KafkaProducer<byte[], byte[]> producer = producer(kafka, TOPIC)) {
            for (int i = 0; i < events; i++) {
                int id = i % ROWS + 1;
                int round = i / ROWS;
                byte[] key = ChangeEvents.key(id);
                if (i >= deletesFrom && groupOf.containsKey(id)) {
                    producer.send(new ProducerRecord<>(TOPIC, key, ChangeEvents.delete(id, groupOf.remove(id), i)));
                    producer.send(new ProducerRecord<>(TOPIC, key, null));
                    expectedTombstones++;
                    continue;
                }
                int group = (id * 7 + round * 13) % GROUPS;
                String op = groupOf.containsKey(id) ? "u" : "c";
                producer.send(new ProducerRecord<>(TOPIC, key, ChangeEvents.change(op, id, groupOf.get(id), group, i)));
                groupOf.put(id, group);
            }
        }
        Map<String, Long> counts = new TreeMap<>();
        groupOf.values().forEach(g -> counts.merge(ChangeEvents.kraj(g), 1L, Long::sum));
        clients = groupOf;
        return counts;
    }

    /**
     * Writes {@code events} changes of PROJECTS projects, each round pointing every project to another client and
     * changing its budget, and returns the budget per client country they must end in: the join of the projects with
     * the clients fillTopic left (a project of a deleted client in the NULL group).
     */
    private static Map<String, BigDecimal> fillProjects(String kafka, int events) throws Exception {
        Map<Integer, Integer> clientOf = new HashMap<>();
        Map<Integer, BigDecimal> budgetOf = new HashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = producer(kafka, ChangeEvents.PROJECTS_TOPIC)) {
            for (int i = 0; i < events; i++) {
                int id = i % PROJECTS + 1;
                int round = i / PROJECTS;
                int client = (id * 3 + round * 11) % ROWS + 1;
                BigDecimal budget = BigDecimal.valueOf(id % 1000 * 100 + round, 2);
                producer.send(new ProducerRecord<>(ChangeEvents.PROJECTS_TOPIC, ChangeEvents.key(id),
                        ChangeEvents.project(clientOf.containsKey(id) ? "u" : "c", id, client, budget, i)));
                clientOf.put(id, client);
                budgetOf.put(id, budget);
            }
        }
        Map<String, BigDecimal> sums = new TreeMap<>();
        clientOf.forEach((id, client) -> {
            Integer group = clients.get(client);
            sums.merge(group == null ? "null" : ChangeEvents.kraj(group), budgetOf.get(id), BigDecimal::add);
        });
        return sums;
    }

    private static long applied(String url) {
        try (Connection c = DriverManager.getConnection(url, "postgres", "bench"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT last_offset FROM bench_state.aggregate_offsets WHERE aggregate = 'klienci-by-country'")) {
            return rs.next() ? rs.getLong(1) : -1;
        } catch (Exception e) {
            return -1;
        }
    }

    /** Creates the topic (one partition) and a producer that fills it fast. */
    private static KafkaProducer<byte[], byte[]> producer(String kafka, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka);
        p.put("linger.ms", "20");
        p.put("batch.size", "524288");
        p.put("compression.type", "lz4");
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** A pipeline in which {@code aggregate} is the only aggregate: the other shipped ones are left out by route id. */
    private static Pipeline startAlone(String aggregate, Map<String, String> settings) throws Exception {
        List<String> others = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("routes", "aggregates.camel.yaml"), StandardCharsets.UTF_8)) {
            String trimmed = line.trim();
            // every route made from the template (aggregates and mirrors) but the measured one
            if (trimmed.startsWith("routeId: ") && !trimmed.equals("routeId: aggregate-" + aggregate)) {
                others.add(trimmed.substring("routeId: ".length()));
            }
        }
        Map<String, String> alone = new HashMap<>(settings);
        alone.put("camel.main.route-filter-exclude-pattern", String.join(",", others));
        Pipeline pipeline = new Pipeline(new RunOptions(false, false, false), alone);
        Thread runner = new Thread(pipeline::run, "bench-pipeline-" + aggregate);
        runner.start();
        RUNNERS.put(pipeline, runner);
        return pipeline;
    }

    private static final Map<Pipeline, Thread> RUNNERS = new HashMap<>();

    private static void stop(Pipeline pipeline) throws InterruptedException {
        pipeline.stop();
        RUNNERS.remove(pipeline).join();
    }

    /** 0 once the joined aggregate has applied both its topics to their ends, else -1. */
    private static long appliedByJoin(String url) {
        try (Connection c = DriverManager.getConnection(url, "postgres", "bench"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT topic, last_offset FROM bench_state.aggregate_offsets "
                     + "WHERE aggregate = 'budget-by-client-country'")) {
            Map<String, Long> offsets = new HashMap<>();
            while (rs.next()) {
                offsets.put(rs.getString(1), rs.getLong(2));
            }
            return offsets.getOrDefault(TOPIC, -1L) >= lastOffset && offsets.getOrDefault(ChangeEvents.PROJECTS_TOPIC, -1L)
                    >= projectsLastOffset ? 0 : -1;
        } catch (Exception e) {
            return -1;
        }
    }

    private static void resetPeakHeap() {
        ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
    }

    private static long peakHeap() {
        return ManagementFactory.getMemoryPoolMXBeans().stream().filter(m -> m.getType() == MemoryType.HEAP)
                .mapToLong(m -> m.getPeakUsage().getUsed()).sum();
    }

    /** The cdc-capture rate of the latest change capture benchmark, 0 when there is none. */
    private static double cdcRate() {
        try {
            for (String line : Files.readAllLines(Path.of("bench", "results", "cdc.md"), StandardCharsets.UTF_8)) {
                if (line.startsWith("| cdc-capture")) {
                    return Double.parseDouble(line.split("\\|")[2].trim());
                }
            }
        } catch (Exception e) {
            return 0;
        }
        return 0;
    }
}
