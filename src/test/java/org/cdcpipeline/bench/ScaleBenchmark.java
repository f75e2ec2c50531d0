package org.cdcpipeline.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.ThreadUtils;
import org.cdcpipeline.ChildProcessEnv;
import org.cdcpipeline.PipelineJar;
import org.cdcpipeline.TestServices;
import org.cdcpipeline.aggregate.AggregateDefinition;
import org.cdcpipeline.aggregate.AggregateSnapshot;
import org.cdcpipeline.aggregate.AggregateStore;
import org.cdcpipeline.archive.ArchiveBatch;
import org.cdcpipeline.archive.ArchiveCoverage;
import org.cdcpipeline.archive.S3ArchiveObjects;
import org.cdcpipeline.embedded.EmbeddedServices;
import org.postgresql.ds.PGSimpleDataSource;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Scale-out on one machine: the fat jar as 1 and as 2 separate processes (the README's heap) consuming a topic of 3
 * partitions pre-filled with N change events of the klienci shape, with the raw archive and the shipped
 * klienci-by-country aggregate; seconds from the processes' start until the archive's objects and the aggregate's state
 * cover every partition's end, events/s and the ratio 2/1, and which consumer group members held the partitions. Then
 * capture's take-over: two instances share a replication slot under a trickle of updates, the capturing one is killed
 * with -9, and the time until the slot is released and until the standby captures is measured, 5 times (a fresh standby
 * started after each). PostgreSQL, Kafka and S3 run embedded in this JVM, once. Run it with bench/scale.sh; results in
 * bench/results/scale.md.
 */
public final class ScaleBenchmark {

    private static final String SCHEMA = "bench";
    private static final String TABLE = "klienci";
    private static final String AGGREGATE = "klienci-by-country";
    private static final String AGGREGATE_GROUP = "aggregates-" + TABLE;
    private static final int PARTITIONS = 3;
    private static final int GROUPS = 1000;
    private static final String TAKEOVER_SCHEMA = "scale_to";
    private static final String TAKEOVER_PREFIX = "scaleto";
    private static final String TAKEOVER_TOPIC = TAKEOVER_PREFIX + "." + TAKEOVER_SCHEMA + "." + TABLE;
    private static final int TAKEOVER_ROWS = 20;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Path work;
    private final Map<String, String> endpoints;
    private final String jdbcUrl;
    private final String password;
    private final Admin admin;
    private final S3Client s3;
    private final List<String> jvmOptions;
    private final List<Path> logs = new ArrayList<>();

    private ScaleBenchmark(Path work, Map<String, String> endpoints, Admin admin, S3Client s3) {
        this.work = work;
        this.endpoints = endpoints;
        this.jdbcUrl = "jdbc:postgresql://127.0.0.1:" + endpoints.get("postgres.port") + "/postgres";
        this.password = endpoints.get("postgres.password");
        this.admin = admin;
        this.s3 = s3;
        String opts = System.getenv().getOrDefault("BENCH_PIPELINE_OPTS", "-Xmx640m -XX:+UseParallelGC -XX:+ExitOnOutOfMemoryError");
        this.jvmOptions = List.of(opts.trim().split("\\s+"));
    }

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 600_000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int takeovers = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        Path work = Files.createDirectories(Path.of("bench", "work", "scale"));
        Map<String, String> config = TestServices.privateServices(work.resolve("services"), "bench");
        String report;
        try (EmbeddedServices services = EmbeddedServices.start(k -> config.getOrDefault(k, ""), true)) {
            Map<String, String> endpoints = new HashMap<>(services.endpoints());
            endpoints.put("s3.bucket", "processed-data");
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", endpoints.get("kafka.bootstrap-servers")));
                 S3Client s3 = S3ArchiveObjects.client(endpoints.get("s3.endpoint"), "us-east-1",
                         endpoints.get("s3.access-key"), endpoints.get("s3.secret-key"))) {
                report = new ScaleBenchmark(work, endpoints, admin, s3).run(events, runs, takeovers);
            }
        }
        System.out.println(report);
        Files.writeString(Files.createDirectories(Path.of("bench", "results")).resolve("scale.md"), report);
        System.exit(0);
    }

    private String run(int events, int runs, int takeovers) throws Exception {
        // every run reads a topic of its own, filled before any run, so each starts from offset 0 with its own archive
        // consumer group, archive objects and aggregate state schema (the aggregate's group, aggregate-<name>, is the
        // same: its offsets come from the state), and all runs read data equally old to the broker
        List<Integer> order = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
            order.addAll(r % 2 == 0 ? List.of(1, 2) : List.of(2, 1));
        }
        List<String> prefixes = new ArrayList<>();
        double fillRate = 0;
        for (int i = 0; i < order.size(); i++) {
            String prefix = "scale" + (i + 1) + "x" + order.get(i);
            prefixes.add(prefix);
            long t = System.nanoTime();
            fill(topic(prefix), events);
            fillRate = events / ((System.nanoTime() - t) / 1e9);
            System.out.printf("topic %s filled with %,d change events (%,.0f events/s)%n", topic(prefix), events, fillRate);
        }
        List<Throughput> results = new ArrayList<>();
        for (int i = 0; i < order.size(); i++) {
            Throughput t = throughput(prefixes.get(i), order.get(i), events);
            System.out.println(t);
            results.add(t);
        }
        List<Takeover> taken = takeovers(takeovers);
        return report(events, runs, fillRate, results, taken);
    }

    private static String topic(String prefix) {
        return prefix + "." + SCHEMA + "." + TABLE;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // throughput

    /**
     * One measurement: {@code instances} processes started together on {@code topic}. Seconds count from the start of
     * the processes; "held" events are those both the archive and the aggregate hold.
     */
    record Throughput(int instances, String topic, List<Double> bannerSeconds, double archiveSeconds,
            double aggregateSeconds, double heldAtAllRunning, double fifthSeconds, double fourFifthsSeconds,
            Map<String, String> archiveMembers, Map<String, String> aggregateMembers, List<Double> cpuSeconds,
            List<Double> startCpuSeconds, double servicesCpuSeconds, double machineCpuSeconds, double machineBusy,
            List<Long> archivedPerInstance, long droppedBatches, boolean aggregateCorrect) {

        double doneSeconds() {
            return Math.max(archiveSeconds, aggregateSeconds);
        }

        double allRunningSeconds() {
            return bannerSeconds.stream().mapToDouble(Double::doubleValue).max().orElse(0);
        }

        double rate(int events) {
            return events / doneSeconds();
        }

        double rateAfterStart(int events) {
            return (events - heldAtAllRunning) / (doneSeconds() - allRunningSeconds());
        }

        /** From 20 % to 80 % of the events held: past the start and the first JIT compilation, before the tail. */
        double middleRate(int events) {
            return events * 0.6 / (fourFifthsSeconds - fifthSeconds);
        }

        double instancesCpuSeconds() {
            return cpuSeconds.stream().mapToDouble(Double::doubleValue).sum();
        }
    }

    private Throughput throughput(String prefix, int instances, int events) throws Exception {
        String topic = topic(prefix);
        Map<Integer, Long> ends = endOffsets(topic);
        if (ends.values().stream().mapToLong(Long::longValue).sum() != events) {
            throw new IllegalStateException("topic " + topic + " holds " + ends + ", not " + events + " events");
        }
        String archiveGroup = prefix + "-archive";
        String stateSchema = prefix + "_state";
        List<Process> processes = new ArrayList<>();
        List<Path> runLogs = new ArrayList<>();
        long[] cpuAtStart = machineCpu();
        double servicesCpuAtStart = cpuSeconds(ProcessHandle.current());
        long t0 = System.nanoTime();
        try (Connection pg = connect()) {
            for (int i = 0; i < instances; i++) {
                String name = prefix + "-" + (char) ('a' + i);
                Map<String, String> s = instance(name, prefix, SCHEMA, TestServices.freePort());
                s.put("cdc.enabled", "false");
                s.put("archive.group-id", archiveGroup);
                s.put("aggregate.state-schema", stateSchema);
                Path log = work.resolve(name + ".log");
                processes.add(jar(s).start(log));
                runLogs.add(log);
            }
            /** What the instances have done so far, sampled every 250 ms until both stages hold every event. */
            final class Sampling {
                final Double[] banners = new Double[instances];
                final Double[] startCpu = new Double[instances];
                double archiveDone;
                double aggregateDone;
                double heldAtAllRunning = -1;
                double fifth;
                double fourFifths;
                Map<String, String> archiveMembers = Map.of();
                Map<String, String> aggregateMembers = Map.of();
                int tick;

                boolean done() throws Exception {
                    double now = (System.nanoTime() - t0) / 1e9;
                    for (int i = 0; i < instances; i++) {
                        if (!processes.get(i).isAlive()) {
                            throw new IllegalStateException("Instance " + runLogs.get(i) + " exited with "
                                    + processes.get(i).exitValue() + ":\n" + PipelineJar.tail(runLogs.get(i), 40));
                        }
                        if (banners[i] == null && PipelineJar.output(runLogs.get(i)).contains(PipelineJar.RUNNING)) {
                            banners[i] = now;
                            startCpu[i] = cpuSeconds(processes.get(i).toHandle());
                        }
                    }
                    long archived = archiveDone > 0 ? events : archived(topic, ends);
                    long aggregated = aggregateDone > 0 ? events : aggregated(pg, stateSchema, topic);
                    long held = Math.min(archived, aggregated);
                    if (heldAtAllRunning < 0 && java.util.Arrays.stream(banners).allMatch(b -> b != null)) {
                        heldAtAllRunning = held;
                    }
                    if (fifth == 0 && held >= events / 5) {
                        fifth = now;
                    }
                    if (fourFifths == 0 && held >= events * 4L / 5) {
                        fourFifths = now;
                    }
                    if (archiveDone == 0 && archived >= events) {
                        archiveDone = now;
                    }
                    if (aggregateDone == 0 && aggregated >= events) {
                        aggregateDone = now;
                    }
                    if (tick % 4 == 0) {
                        // the sample in which the most members held partitions of the topic
                        Map<String, String> a = members(archiveGroup, topic);
                        if (a.size() > archiveMembers.size()) {
                            archiveMembers = a;
                        }
                        Map<String, String> g = members(AGGREGATE_GROUP, topic);
                        if (g.size() > aggregateMembers.size()) {
                            aggregateMembers = g;
                        }
                    }
                    tick++;
                    return archiveDone > 0 && aggregateDone > 0;
                }
            }
            Sampling sampling = new Sampling();
            long deadline = t0 + TimeUnit.SECONDS.toNanos(300 + events / 1000);
            if (!awaitOrNot(Duration.ofNanos(deadline - System.nanoTime()), Duration.ofMillis(250), sampling::done)) {
                throw new IllegalStateException(String.format("%d instance(s) on %s: not done after %.0f s "
                        + "(archive done at %.1f s, aggregate at %.1f s; 0: not done); see %s", instances, topic,
                        (System.nanoTime() - t0) / 1e9, sampling.archiveDone, sampling.aggregateDone, runLogs));
            }
            Double[] banners = sampling.banners;
            Double[] startCpu = sampling.startCpu;
            double archiveDone = sampling.archiveDone;
            double aggregateDone = sampling.aggregateDone;
            double heldAtAllRunning = sampling.heldAtAllRunning;
            double fifth = sampling.fifth;
            double fourFifths = sampling.fourFifths;
            Map<String, String> archiveMembers = sampling.archiveMembers;
            Map<String, String> aggregateMembers = sampling.aggregateMembers;
            long[] cpuAtEnd = machineCpu();
            double servicesCpu = cpuSeconds(ProcessHandle.current()) - servicesCpuAtStart;
            double busy = (double) (cpuAtEnd[0] - cpuAtStart[0]) / (cpuAtEnd[1] - cpuAtStart[1]);
            List<Double> cpu = processes.stream().map(p -> cpuSeconds(p.toHandle())).toList();
            if (heldAtAllRunning < 0) {
                heldAtAllRunning = events; // done before every banner: no steady part to measure
            }
            boolean correct = aggregateCorrect(stateSchema, events);
            List<Long> archivedPerInstance = new ArrayList<>();
            long dropped = 0;
            for (Path log : runLogs) {
                String output = PipelineJar.output(log);
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("Archived (\\d+) changes of "
                        + java.util.regex.Pattern.quote(topic) + "-\\d+ ").matcher(output);
                long sum = 0;
                while (m.find()) {
                    sum += Long.parseLong(m.group(1));
                }
                archivedPerInstance.add(sum);
                dropped += output.lines().filter(l -> l.contains("dropped: the partition was reassigned")).count();
            }
            return new Throughput(instances, topic, List.of(banners), archiveDone, aggregateDone, heldAtAllRunning,
                    fifth, fourFifths, archiveMembers, aggregateMembers, cpu, List.of(startCpu), servicesCpu,
                    (cpuAtEnd[0] - cpuAtStart[0]) / 100.0, busy, archivedPerInstance, dropped, correct);
        } finally {
            for (Process p : processes) {
                PipelineJar.stop(p);
            }
        }
    }

    /** CPU seconds (user and system) the process has used so far. */
    private static double cpuSeconds(ProcessHandle process) {
        return process.info().totalCpuDuration().map(d -> d.toMillis() / 1000.0).orElse(-1.0);
    }

    /** Busy and total jiffies of all the machine's cores so far (/proc/stat). */
    private static long[] machineCpu() throws IOException {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long total = 0;
        for (int i = 1; i <= 8 && i < f.length; i++) {
            total += Long.parseLong(f[i]);
        }
        long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
        return new long[] {total - idle, total};
    }

    /** Records of the topic the archive's objects cover, contiguously from offset 0, summed over the partitions. */
    private long archived(String topic, Map<Integer, Long> ends) {
        List<String> keys = s3.listObjectsV2Paginator(b -> b.bucket("processed-data")
                .prefix(ArchiveBatch.PREFIX + "table=" + ArchiveBatch.tableKey(TABLE) + "/"))
                .contents().stream().map(S3Object::key).filter(k -> k.contains("/" + topic + "-")).toList();
        long covered = 0;
        for (int p : ends.keySet()) {
            covered += Math.min(ends.get(p), ArchiveCoverage.of(topic, p, keys).contiguousEnd() + 1);
        }
        return covered;
    }

    /** Records of the topic the aggregate has applied, as saved with its state, summed over the partitions. */
    private static long aggregated(Connection pg, String stateSchema, String topic) {
        try (PreparedStatement ps = pg.prepareStatement("SELECT coalesce(sum(last_offset + 1), 0) FROM " + stateSchema
                + ".aggregate_offsets WHERE aggregate = ? AND topic = ?")) {
            ps.setString(1, AGGREGATE);
            ps.setString(2, topic);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            return 0; // the state tables do not exist yet
        }
    }

    /** Each member of the group holding partitions of the topic, with those partitions. */
    private Map<String, String> members(String group, String topic) {
        try {
            ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get(5, TimeUnit.SECONDS).get(group);
            Map<String, String> members = new TreeMap<>();
            for (MemberDescription m : d.members()) {
                List<Integer> partitions = m.assignment().topicPartitions().stream().filter(tp -> tp.topic().equals(topic))
                        .map(TopicPartition::partition).sorted().toList();
                if (!partitions.isEmpty()) {
                    members.put(m.consumerId(), partitions.toString());
                }
            }
            return members;
        } catch (Exception e) {
            return Map.of(); // the group does not exist yet
        }
    }

    /** The aggregate counts every event once, in the group its row was given. */
    private boolean aggregateCorrect(String stateSchema, int events) throws SQLException {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(jdbcUrl);
        ds.setUser("postgres");
        ds.setPassword(password);
        AggregateSnapshot state = new AggregateStore(ds, stateSchema).current(
                new AggregateDefinition(AGGREGATE, "dbserver1", "public", "klienci", "kraj", "count", "", ""));
        Map<String, Long> actual = new TreeMap<>();
        state.groups().forEach(g -> actual.put(g.group(), g.rows()));
        Map<String, Long> expected = new TreeMap<>();
        for (int id = 1; id <= events; id++) {
            expected.merge(ChangeEvents.kraj(id % GROUPS), 1L, Long::sum);
        }
        return actual.equals(expected);
    }

    /** N inserts of rows 1..N, keyed by primary key (so the producer spreads them over the partitions). */
    private void fill(String topic, int events) throws Exception {
        admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get();
        Properties p = new Properties();
        p.put("bootstrap.servers", endpoints.get("kafka.bootstrap-servers"));
        p.put("linger.ms", "20");
        p.put("batch.size", "524288");
        p.put("compression.type", "lz4");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int id = 1; id <= events; id++) {
                producer.send(new ProducerRecord<>(topic, ChangeEvents.key(id), ChangeEvents.change("c", id, null, id % GROUPS, id)));
            }
            producer.flush();
        }
        Map<Integer, Long> ends = endOffsets(topic);
        System.out.printf("  partitions' end offsets: %s%n", ends);
    }

    private Map<Integer, Long> endOffsets(String topic) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new LinkedHashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        Map<Integer, Long> ends = new TreeMap<>();
        admin.listOffsets(latest).all().get().forEach((tp, info) -> ends.put(tp.partition(), info.offset()));
        return ends;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // take-over

    /** One kill -9 of the capturing instance; times in ms after the kill, -1 when not reached. */
    record Takeover(String killed, String successor, long releasedMs, long slotReadMs, long capturingMs,
            boolean publishedAfter) {
    }

    private record Instance(String name, Process process, int port) {
    }

    private List<Takeover> takeovers(int count) throws Exception {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA " + TAKEOVER_SCHEMA);
            st.execute("CREATE TABLE " + TAKEOVER_SCHEMA + "." + TABLE + " (id integer PRIMARY KEY, nazwa text NOT NULL, kraj text)");
            st.execute("INSERT INTO " + TAKEOVER_SCHEMA + "." + TABLE + " SELECT i, 'Firma ' || i, 'kraj-' || (i % 5) "
                    + "FROM generate_series(1, " + TAKEOVER_ROWS + ") i");
        }
        List<Takeover> results = new ArrayList<>();
        List<Instance> running = new ArrayList<>();
        Trickle trickle = new Trickle();
        int started = 0;
        try {
            Instance first = startTakeoverInstance(started++);
            running.add(first);
            await("instance " + first.name() + " captures", 120, () -> "capturing".equals(role(first.port())));
            await("the slot read", 60, () -> slotActive());
            trickle.start();
            Instance second = startTakeoverInstance(started++);
            running.add(second);
            await("instance " + second.name() + " stands by", 60, () -> "standby".equals(role(second.port())));
            for (int run = 1; run <= count; run++) {
                Instance capturing = null;
                Instance standby = null;
                for (Instance i : running) {
                    String role = role(i.port());
                    if ("capturing".equals(role)) {
                        capturing = i;
                    } else if ("standby".equals(role)) {
                        standby = i;
                    }
                }
                if (capturing == null || standby == null || running.size() != 2) {
                    throw new IllegalStateException("Before take-over " + run + ": no capturing and standby pair among "
                            + running.stream().map(Instance::name).toList());
                }
                // the trickle flows through the capturing instance: about 3 s of it in the topic
                long flowingFrom = takeoverTopicEnd();
                await("the trickle flows through " + capturing.name(), 60, () -> takeoverTopicEnd() >= flowingFrom + 300);
                long endAtKill = takeoverTopicEnd();
                long kill = System.nanoTime();
                capturing.process().destroyForcibly();
                // when the slot is let go, read again, and the standby says it captures (-1: not within 90 s)
                long[] at = {-1, -1, -1};
                Instance takingOver = standby;
                awaitOrNot(Duration.ofSeconds(90), Duration.ofMillis(20), () -> {
                    boolean active = slotActive();
                    long now = System.nanoTime();
                    if (at[0] < 0 && !active) {
                        at[0] = now;
                    }
                    if (at[0] >= 0 && at[1] < 0 && active) {
                        at[1] = now;
                    }
                    if (at[0] >= 0 && at[2] < 0 && "capturing".equals(role(takingOver.port()))) {
                        at[2] = System.nanoTime();
                    }
                    return at[0] >= 0 && at[1] >= 0 && at[2] >= 0;
                });
                long released = at[0];
                long slotRead = at[1];
                long capturingAt = at[2];
                capturing.process().waitFor(30, TimeUnit.SECONDS);
                running.remove(capturing);
                boolean published = awaitOrNot(Duration.ofSeconds(30), Duration.ofMillis(200),
                        () -> takeoverTopicEnd() > endAtKill + 10);
                // the standby captures once its health says so and the slot is read again, whichever comes last
                long captures = slotRead < 0 || capturingAt < 0 ? -1 : Math.max(slotRead, capturingAt);
                Takeover t = new Takeover(capturing.name(), standby.name(), millis(kill, released), millis(kill, slotRead),
                        millis(kill, captures), published);
                System.out.println("take-over " + run + ": " + t);
                results.add(t);
                if (run < count) {
                    Instance fresh = startTakeoverInstance(started++);
                    running.add(fresh);
                    await("instance " + fresh.name() + " stands by", 60, () -> "standby".equals(role(fresh.port())));
                }
            }
        } finally {
            trickle.stop();
            for (Instance i : running) {
                PipelineJar.stop(i.process());
            }
        }
        return results;
    }

    private static long millis(long from, long to) {
        return to < 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(to - from);
    }

    private Instance startTakeoverInstance(int index) throws Exception {
        String name = TAKEOVER_PREFIX + "-" + (char) ('a' + index);
        int port = TestServices.freePort();
        Map<String, String> s = instance(name, TAKEOVER_PREFIX, TAKEOVER_SCHEMA, port);
        s.put("cdc.enabled", "true");
        s.put("cdc.slot-name", TAKEOVER_SCHEMA);
        s.put("cdc.publication-name", TAKEOVER_SCHEMA);
        s.put("cdc.offsets-table", TAKEOVER_SCHEMA + "_state.cdc_offsets");
        s.put("archive.group-id", TAKEOVER_PREFIX + "-archive");
        s.put("aggregate.state-schema", TAKEOVER_SCHEMA + "_state");
        Path log = work.resolve(name + ".log");
        Process process = jar(s).startRunning(log, Duration.ofSeconds(180));
        return new Instance(name, process, port);
    }

    /** Updates the rows one transaction at a time, about 100 a second, each moving a row to another country. */
    private final class Trickle {
        private final ScheduledExecutorService updates =
                Executors.newSingleThreadScheduledExecutor(ThreadUtils.createThreadFactory("scale-trickle", true));
        private Connection connection;
        private PreparedStatement update;
        private int i;

        void start() throws SQLException {
            connection = connect();
            update = connection.prepareStatement("UPDATE " + TAKEOVER_SCHEMA + "." + TABLE + " SET kraj = ? WHERE id = ?");
            // a failed update ends the trickle
            updates.scheduleWithFixedDelay(this::next, 0, 10, TimeUnit.MILLISECONDS);
        }

        private void next() {
            try {
                update.setString(1, "kraj-" + (i * 7) % 5);
                update.setInt(2, 1 + (i * 13) % TAKEOVER_ROWS);
                update.executeUpdate();
                i++;
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        void stop() throws InterruptedException, SQLException {
            updates.shutdown();
            updates.awaitTermination(10, TimeUnit.SECONDS);
            if (connection != null) {
                connection.close();
            }
        }
    }

    private boolean slotActive() {
        try (Connection c = connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT active FROM pg_replication_slots WHERE slot_name = '" + TAKEOVER_SCHEMA + "'")) {
            return rs.next() && rs.getBoolean(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private long takeoverTopicEnd() {
        try {
            return endOffsets(TAKEOVER_TOPIC).values().stream().mapToLong(Long::longValue).sum();
        } catch (Exception e) {
            return 0; // not created yet
        }
    }

    /** The role the instance's capture-role health check reports ("" when it cannot be read). */
    private static String role(int port) {
        try {
            HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/observe/health?exposureLevel=full")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            for (JsonNode check : JSON.readTree(health.body()).path("checks")) {
                if ("capture-role".equals(check.path("name").asText())) {
                    String message = check.path("message").asText();
                    return message.substring("capture-role: ".length(), message.indexOf(';'));
                }
            }
        } catch (Exception e) {
            return "";
        }
        return "";
    }

    // ---------------------------------------------------------------------------------------------------------------
    // common

    /** One instance's settings: the embedded services of this JVM, its own folders and health port, no JMX. */
    private Map<String, String> instance(String name, String prefix, String schema, int observePort) throws IOException {
        Map<String, String> s = new HashMap<>(endpoints);
        s.put("csv.dir", Files.createDirectories(work.resolve(name + "-csv")).toString());
        s.put("csv.schema", schema);
        s.put("pipeline.data-dir", work.resolve(name + "-data").toString());
        s.put("topic.prefix", prefix);
        s.put("cdc.topic-partitions", String.valueOf(PARTITIONS));
        s.put("archive.enabled", "true");
        s.put("aggregate.enabled", "true");
        s.put("aggregate.snapshot-prefix", prefix + "/");
        s.put("jmx.enabled", "false");
        s.put("observe.port", String.valueOf(observePort));
        return s;
    }

    private PipelineJar jar(Map<String, String> settings) {
        return PipelineJar.withEnvironment(ChildProcessEnv.of(settings)).jvm(jvmOptions.toArray(String[]::new));
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl, "postgres", password);
    }

    private interface Condition {
        boolean met() throws Exception;
    }

    private static void await(String what, int seconds, Condition condition) {
        if (!awaitOrNot(Duration.ofSeconds(seconds), Duration.ofMillis(200), condition)) {
            throw new IllegalStateException("Not within " + seconds + " s: " + what);
        }
    }

    /** Checks the condition every {@code poll}, the first time at once: whether it was met within {@code atMost}. */
    private static boolean awaitOrNot(Duration atMost, Duration poll, Condition condition) {
        try {
            Awaitility.await().pollDelay(Duration.ZERO).pollInterval(poll).atMost(atMost).until(condition::met);
            return true;
        } catch (ConditionTimeoutException e) {
            return false;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // report

    private String report(int events, int runs, double fillRate, List<Throughput> results, List<Takeover> takeovers)
            throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("# Scale-out benchmark, ").append(Instant.now()).append("\n\n");
        b.append(String.format("`bench/scale.sh %d %d %d`: the fat jar (`java %s -jar target/cdc-pipeline.jar`) as 1 and as "
                + "2 separate processes on this machine (%d cores), with the raw archive and the aggregates on and capture off, "
                + "each with its own data and CSV folder and health port, no JMX. PostgreSQL 17, the Kafka broker and the S3 "
                + "server run once, embedded in the benchmark's JVM, on the same cores. Each run reads a topic of its own "
                + "with %d partitions, filled beforehand with %,d inserts of klienci rows (the cdc-capture envelope, keyed by "
                + "primary key, %d countries; producer: %,.0f events/s), from offset 0: its own archive consumer group and "
                + "aggregate state schema. Runs in the order %s.%n%n",
                events, runs, takeovers.size(), String.join(" ", jvmOptions), Runtime.getRuntime().availableProcessors(),
                PARTITIONS, events, GROUPS, fillRate,
                results.stream().map(r -> r.instances() + "").collect(Collectors.joining(", "))));
        b.append("## Throughput\n\n");
        b.append("Seconds from the processes' start (all started together) until the archive's objects cover every "
                + "partition's end offset (`raw-kafka-data/table=klienci/`, object names `<topic>-<partition>-<first>-<last>.parquet`) "
                + "and the klienci-by-country aggregate's offsets (saved with its state) reach them; an event is *held* "
                + "once both hold it. *After start*: from the moment every instance had printed its banner, the events "
                + "not held then over the time left. *20-80 %*: from 20 % to 80 % of the events held (past the start "
                + "and the tail).\n\n");
        b.append("| instances | banner printed (s) | archive holds all (s) | aggregate holds all (s) | done (s) "
                + "| events/s incl. start | events/s after start | events/s 20-80 % | aggregate = expected counts |\n");
        b.append("|---:|---|---:|---:|---:|---:|---:|---:|---|\n");
        for (Throughput r : results) {
            b.append(String.format("| %d | %s | %.1f | %.1f | %.1f | %,.0f | %,.0f | %,.0f | %s |%n", r.instances(),
                    seconds(r.bannerSeconds()), r.archiveSeconds(), r.aggregateSeconds(), r.doneSeconds(), r.rate(events),
                    r.rateAfterStart(events), r.middleRate(events), r.aggregateCorrect() ? "yes" : "NO"));
        }
        b.append(String.format("%n| events/s%s | 1 instance | 2 instances | ratio 2/1 |%n|---|---:|---:|---:|%n",
                runs > 1 ? " (median of " + runs + " runs each)" : ""));
        for (Map.Entry<String, java.util.function.ToDoubleFunction<Throughput>> rate : Map.<String, java.util.function.ToDoubleFunction<Throughput>>of(
                "1 including start", r -> r.rate(events), "2 after start", r -> r.rateAfterStart(events),
                "3 20-80 % of the events", r -> r.middleRate(events)).entrySet().stream().sorted(Map.Entry.comparingByKey()).toList()) {
            double one = median(results, 1, rate.getValue());
            double two = median(results, 2, rate.getValue());
            b.append(String.format("| %s | %,.0f | %,.0f | %.2f |%n", rate.getKey().substring(2), one, two, two / one));
        }
        b.append("\nWork shared and CPU: the members of each consumer group holding partitions of the run's topic (the "
                + "sample, taken every second during the run, with the most such members; one member per instance), the "
                + "changes each instance archived (from its log), archive batches dropped because their partition moved "
                + "to the other instance (read again there), and CPU seconds during the run: each instance's (of which "
                + "until its banner), the benchmark's JVM (the Kafka broker and S3 server), and the rest of the machine "
                + "(mostly PostgreSQL).\n\n");
        b.append("| instances | raw archive group | aggregate group | archived per instance | batches dropped | CPU s per "
                + "instance (start) | CPU s benchmark JVM | CPU s rest | machine busy |\n|---:|---|---|---|---:|---|---:|---:|---:|\n");
        for (Throughput r : results) {
            List<String> cpu = new ArrayList<>();
            for (int i = 0; i < r.cpuSeconds().size(); i++) {
                cpu.add(String.format("%.1f (%.1f)", r.cpuSeconds().get(i), r.startCpuSeconds().get(i)));
            }
            b.append(String.format("| %d | %s | %s | %s | %d | %s | %.1f | %.1f | %.0f %% |%n", r.instances(),
                    describe(r.archiveMembers()), describe(r.aggregateMembers()),
                    r.archivedPerInstance().stream().map(n -> String.format("%,d", n)).collect(Collectors.joining(" + ")),
                    r.droppedBatches(), String.join(", ", cpu), r.servicesCpuSeconds(),
                    r.machineCpuSeconds() - r.instancesCpuSeconds() - r.servicesCpuSeconds(), 100 * r.machineBusy()));
        }
        b.append("\nThe archive writes a partition's last, partial object once the partition has been quiet for "
                + "`archive.batch-idle-ms` (2 s), in both set-ups alike.\n\n");
        double after = median(results, 2, r -> r.rateAfterStart(events)) / median(results, 1, r -> r.rateAfterStart(events));
        boolean shared = results.stream().filter(r -> r.instances() == 2)
                .allMatch(r -> r.archiveMembers().size() == 2 && r.aggregateMembers().size() == 2);
        b.append(String.format("Targets (issue; 2 cores cannot double): throughput with 2 instances does not fall (ratio 2/1 "
                + "after start >= 1, here %.2f): %s. Work shared (in each consumer group both instances hold partitions): %s.%n%n",
                after, after >= 1 ? "met" : "MISSED", shared ? "met" : "MISSED"));

        b.append("## Capture take-over\n\n");
        b.append(String.format("Two instances with the same settings (capture on, `cdc.offsets-table` set, "
                + "`cdc.role-check-interval-ms` 2000, %d partitions, archive and aggregates on) share the replication slot of a %d-row "
                + "table in a schema of its own, updated about 100 times a second by the benchmark. The capturing one is "
                + "killed with -9; measured from the kill, polled every 20-50 ms: the slot released "
                + "(`pg_replication_slots.active` false), read again (active), and the standby's health saying "
                + "`capture-role: capturing` (slot read again too). Then a fresh standby is started and the one capturing "
                + "now is killed, %d times in all. *Published after*: the topic's end offset moved on after the take-over.%n%n",
                PARTITIONS, TAKEOVER_ROWS, takeovers.size()));
        b.append("| run | killed | took over | slot released (ms) | slot read again (ms) | standby captures (ms) | published after |\n");
        b.append("|---:|---|---|---:|---:|---:|---|\n");
        for (int i = 0; i < takeovers.size(); i++) {
            Takeover t = takeovers.get(i);
            b.append(String.format("| %d | %s | %s | %s | %s | %s | %s |%n", i + 1, t.killed(), t.successor(), ms(t.releasedMs()),
                    ms(t.slotReadMs()), ms(t.capturingMs()), t.publishedAfter() ? "yes" : "NO"));
        }
        b.append(String.format("| median | | | %s | %s | %s | |%n", ms(medianOf(takeovers, Takeover::releasedMs)),
                ms(medianOf(takeovers, Takeover::slotReadMs)), ms(medianOf(takeovers, Takeover::capturingMs))));
        long worst = takeovers.stream().mapToLong(Takeover::capturingMs).max().orElse(-1);
        boolean within = !takeovers.isEmpty() && takeovers.stream().allMatch(t -> t.capturingMs() >= 0 && t.capturingMs() < 30_000);
        b.append(String.format("%nTarget (issue): a standby takes over within 30 s (longest here: %s ms): %s.%n", ms(worst),
                within ? "met" : "MISSED"));
        b.append(logSummary());
        return b.toString();
    }

    /** WARN and ERROR lines of the instances' logs, counted per log (the lines themselves stay in bench/work/scale). */
    private String logSummary() throws IOException {
        StringBuilder b = new StringBuilder("\nLog lines at WARN or ERROR in the instances' logs (bench/work/scale/*.log): ");
        List<String> counts = new ArrayList<>();
        try (var files = Files.list(work)) {
            for (Path log : files.filter(f -> f.toString().endsWith(".log")).sorted().toList()) {
                long n = Files.readAllLines(log, StandardCharsets.ISO_8859_1).stream()
                        .filter(l -> l.contains(" WARN ") || l.contains(" ERROR ")).count();
                if (n > 0) {
                    counts.add(log.getFileName() + " " + n);
                }
            }
        }
        return b.append(counts.isEmpty() ? "none" : String.join(", ", counts)).append(".\n").toString();
    }

    private static String seconds(List<Double> values) {
        return values.stream().map(v -> String.format("%.1f", v)).collect(Collectors.joining(", "));
    }

    private static String describe(Map<String, String> members) {
        if (members.isEmpty()) {
            return "none seen";
        }
        return members.size() + " member" + (members.size() == 1 ? "" : "s") + ", partitions "
                + String.join(" + ", members.values());
    }

    private static String ms(long millis) {
        return millis < 0 ? "not reached" : String.format("%,d", millis);
    }

    private static double median(List<Throughput> results, int instances, java.util.function.ToDoubleFunction<Throughput> f) {
        double[] v = results.stream().filter(r -> r.instances() == instances).mapToDouble(f).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static long medianOf(List<Takeover> takeovers, java.util.function.ToLongFunction<Takeover> f) {
        long[] v = takeovers.stream().mapToLong(f).sorted().toArray();
        if (v.length == 0 || v[0] < 0) {
            return -1;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
