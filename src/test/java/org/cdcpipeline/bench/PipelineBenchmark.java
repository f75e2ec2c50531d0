package org.cdcpipeline.bench;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.core.ConditionTimeoutException;
import org.cdcpipeline.TestServices;
import org.cdcpipeline.archive.ArchiveBatch;
import org.cdcpipeline.archive.ArchiveCoverage;
import org.cdcpipeline.archive.S3ArchiveObjects;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import static org.awaitility.Awaitility.await;

/**
 * End to end, as a user meets it: {@code java -jar target/cdc-pipeline.jar} on its embedded default (its own ports and
 * data folder, JVM options from BENCH_PIPELINE_OPTS: bench/pipeline.sh gives the README's heap), the sample CSV files imported first, then N rows
 * with new ids dropped as one {@code klienci.csv} (written beside the folder, then renamed into it). Measures when each
 * stage holds every one of the N rows: PostgreSQL, Kafka, the raw archive's objects, and each aggregate reading the
 * table; and the pipeline process's peak RSS and heap. Run it with bench/pipeline.sh.
 */
public final class PipelineBenchmark {

    private static final String TABLE = "klienci";
    private static final String TOPIC = "dbserver1.public." + TABLE;
    /** The shipped aggregates reading the table's topic: its count by country, its data quality, the joins to it. */
    private static final List<String> AGGREGATES = List.of("klienci-by-country", "quality-klienci",
            "budget-by-client-country", "revenue-by-customer");
    private static final String[] COUNTRIES = {"Polska", "Niemcy", "Czechy", "Słowacja", "Litwa", "Francja", "Włochy",
        "Hiszpania", "Austria", "Węgry", "Szwecja", "Norwegia", "Dania", "Holandia", "Belgia", "Portugalia"};

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path work = Path.of("bench", "work", "pipeline");
        List<RunResult> results = new ArrayList<>();
        for (int run = 1; run <= runs; run++) {
            deleteTree(work);
            results.add(new Run(work, rows).measure());
            System.out.printf("run %d of %d: %s%n", run, runs, results.get(results.size() - 1));
        }
        String report = report(rows, results);
        Path out = Path.of("bench", "results", "pipeline-" + rows + ".md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report);
        System.out.println(report);
    }

    /** Seconds after the drop at which each stage held every row; peak memory of the pipeline process. */
    /**
     * @param cpuSeconds CPU time (user and system) from the drop until every stage held the rows: of the pipeline's JVM,
     *                   and of the PostgreSQL server it started (its processes). Less sensitive than the seconds to
     *                   what else runs on the machine.
     */
    record RunResult(Map<String, Double> seconds, long peakRssKib, long peakHeapUsedKib, long peakHeapCommittedKib,
            double jvmCpuSeconds, double postgresCpuSeconds) {
    }

    /** One pipeline process from an empty data folder to every stage holding the dropped rows. */
    private static final class Run {

        private final Path work;
        private final int rows;
        private final Path csvDir;
        private final Path dataDir;
        private final int pgPort = TestServices.freePort();
        private final int kafkaPort = TestServices.freePort();
        private final int observePort = TestServices.freePort();
        private final int s3Port = TestServices.freePort();

        Run(Path work, int rows) {
            this.work = work;
            this.rows = rows;
            this.csvDir = work.resolve("csv");
            this.dataDir = work.resolve("data");
        }

        RunResult measure() throws Exception {
            Files.createDirectories(csvDir);
            Path log = work.resolve("pipeline.log");
            Process pipeline = start(log);
            try (HeapWatch heap = new HeapWatch(pipeline.pid())) {
                awaitLog(pipeline, log, "cdc-pipeline is running", 300);
                Properties credentials = new Properties();
                try (Reader in = Files.newBufferedReader(dataDir.resolve("dev-credentials.properties"))) {
                    credentials.load(in);
                }
                try (Connection pg = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres",
                            "postgres", credentials.getProperty("postgres.password"));
                        Admin kafka = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + kafkaPort));
                        S3Client s3 = S3ArchiveObjects.client("http://127.0.0.1:" + s3Port, "us-east-1",
                                credentials.getProperty("s3.access-key"), credentials.getProperty("s3.secret-key"))) {
                    Stages stages = new Stages(pg, kafka, s3);
                    // the samples first, as in a user's first run: the table, its topic and the aggregates exist
                    Path sample = Path.of("csv_files", TABLE + ".csv");
                    long sampleRows = Files.lines(sample).count() - 1;
                    Files.copy(sample, csvDir.resolve(TABLE + ".csv"));
                    stages.awaitAll(sampleRows, 0, 0, 300);

                    long rowsBefore = stages.rows();
                    long endBefore = stages.topicEnd();
                    long firstId = stages.maxId() + 1;
                    Path staged = work.resolve(TABLE + ".csv");
                    generate(staged, firstId, rows);
                    Files.move(staged, csvDir.resolve(TABLE + ".csv"), StandardCopyOption.ATOMIC_MOVE);
                    long postgres = postmaster(dataDir.resolve("postgres"));
                    double[] cpuBefore = {cpuSeconds(pipeline.pid(), false), cpuSeconds(postgres, true)};
                    long dropped = System.nanoTime();
                    Map<String, Double> seconds = stages.awaitAll(rowsBefore + rows, firstId + rows - 1,
                            endBefore + rows, 300 + rows / 1_000, dropped);
                    return new RunResult(seconds, peakRssKib(pipeline.pid()), heap.peakUsedKib(), heap.peakCommittedKib(),
                            cpuSeconds(pipeline.pid(), false) - cpuBefore[0], cpuSeconds(postgres, true) - cpuBefore[1]);
                }
            } finally {
                pipeline.destroy();
                if (!pipeline.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                    pipeline.destroyForcibly().waitFor();
                }
            }
        }

        private Process start(Path log) throws IOException {
            ProcessBuilder pb = new ProcessBuilder();
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            String opts = System.getenv().getOrDefault("BENCH_PIPELINE_OPTS", "");
            if (!opts.isBlank()) {
                command.addAll(List.of(opts.trim().split("\\s+")));
            }
            command.addAll(List.of("-jar", Path.of("target", "cdc-pipeline.jar").toString()));
            pb.command(command).redirectErrorStream(true).redirectOutput(log.toFile());
            Map<String, String> env = pb.environment();
            env.put("PIPELINE_DATA_DIR", dataDir.toString());
            env.put("CSV_DIR", csvDir.toString());
            env.put("POSTGRES_PORT", String.valueOf(pgPort));
            env.put("KAFKA_EMBEDDED_PORT", String.valueOf(kafkaPort));
            env.put("KAFKA_EMBEDDED_CONTROLLER_PORT", String.valueOf(TestServices.freePort()));
            env.put("S3_EMBEDDED_PORT", String.valueOf(s3Port));
            env.put("OBSERVE_PORT", String.valueOf(observePort));
            env.put("DASHBOARD_PORT", String.valueOf(TestServices.freePort()));
            env.put("JMX_ENABLED", "false");
            return pb.start();
        }
    }

    /** Where the dropped rows have got to, read from each stage's own store. */
    private static final class Stages {

        private final Connection pg;
        private final Admin kafka;
        private final S3Client s3;

        Stages(Connection pg, Admin kafka, S3Client s3) {
            this.pg = pg;
            this.kafka = kafka;
            this.s3 = s3;
        }

        /**
         * Waits until PostgreSQL holds {@code rows} rows and Kafka, the archive and every aggregate hold the topic up
         * to {@code topicEnd} (when not 0; else the end Kafka has once PostgreSQL holds the rows); returns, per stage,
         * the seconds since {@code since} at which it first did. Rows are counted only once the row with id
         * {@code lastId} (when not 0) is there: a count of a million rows four times a second would take PostgreSQL's
         * CPU from the import it measures.
         */
        Map<String, Double> awaitAll(long rows, long lastId, long topicEnd, long timeoutSeconds, long since)
                throws Exception {
            Map<String, LongSupplier> stages = new LinkedHashMap<>();
            AtomicLong end = new AtomicLong(topicEnd);
            Map<String, Double> reached = new LinkedHashMap<>();
            String postgresStage = "PostgreSQL (CSV import)";
            String kafkaStage = "Kafka (capture)";
            stages.put(postgresStage, () -> (lastId == 0 || maxId() >= lastId) && rows() >= rows ? 1 : 0);
            stages.put(kafkaStage, () -> end.get() > 0 && topicEnd() >= end.get() ? 1 : 0);
            // what reads Kafka cannot hold the rows before Kafka does: not asked until then, so that listing the
            // archive's objects and reading the aggregates' offsets take nothing from the pipeline while it captures
            stages.put("raw archive objects", () -> reached.containsKey(kafkaStage) && archivedEnd() >= end.get() ? 1 : 0);
            for (String aggregate : AGGREGATES) {
                stages.put("aggregate " + aggregate,
                        () -> reached.containsKey(kafkaStage) && aggregateEnd(aggregate) >= end.get() ? 1 : 0);
            }
            long left = Math.max(0, since + timeoutSeconds * 1_000_000_000L - System.nanoTime());
            try {
                await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(250)).atMost(Duration.ofNanos(left))
                        .until(() -> {
                            for (Map.Entry<String, LongSupplier> stage : stages.entrySet()) {
                                if (!reached.containsKey(stage.getKey()) && stage.getValue().getAsLong() == 1) {
                                    reached.put(stage.getKey(), (System.nanoTime() - since) / 1e9);
                                }
                                if (end.get() == 0 && reached.containsKey(postgresStage)) {
                                    end.set(topicEnd());
                                }
                            }
                            return reached.size() == stages.size();
                        });
            } catch (ConditionTimeoutException e) {
                throw new IllegalStateException("Not every stage held the rows within " + timeoutSeconds
                        + " s; reached: " + reached + " (see bench/work/pipeline/pipeline.log)");
            }
            return reached;
        }

        Map<String, Double> awaitAll(long rows, long lastId, long topicEnd, long timeoutSeconds) throws Exception {
            return awaitAll(rows, lastId, topicEnd, timeoutSeconds, System.nanoTime());
        }

        long rows() {
            return query("SELECT count(*) FROM public." + TABLE);
        }

        long maxId() {
            return query("SELECT coalesce(max(id), 0) FROM public." + TABLE);
        }

        /** The next offset of the table's topic, over its partitions. */
        long topicEnd() {
            try {
                var partitions = kafka.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC).partitions();
                Map<TopicPartition, OffsetSpec> latest = new LinkedHashMap<>();
                partitions.forEach(p -> latest.put(new TopicPartition(TOPIC, p.partition()), OffsetSpec.latest()));
                return kafka.listOffsets(latest).all().get().values().stream().mapToLong(o -> o.offset()).sum();
            } catch (Exception e) {
                return 0; // the topic does not exist yet
            }
        }

        /** The next offset after what the archive's objects cover without a gap (one partition per table here). */
        long archivedEnd() {
            List<String> keys = s3.listObjectsV2Paginator(b -> b.bucket("processed-data")
                    .prefix(ArchiveBatch.PREFIX + "table=" + ArchiveBatch.tableKey(TABLE) + "/"))
                    .contents().stream().map(S3Object::key).toList();
            return ArchiveCoverage.of(TOPIC, 0, keys).contiguousEnd() + 1;
        }

        /** The next offset after what the aggregate applied, as saved with its state. */
        long aggregateEnd(String aggregate) {
            try (PreparedStatement ps = pg.prepareStatement("SELECT coalesce(sum(last_offset + 1), 0) FROM "
                    + "pipeline_state.aggregate_offsets WHERE aggregate = ? AND topic = ?")) {
                ps.setString(1, aggregate);
                ps.setString(2, TOPIC);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            } catch (SQLException e) {
                return 0; // the state tables do not exist yet
            }
        }

        private long query(String sql) {
            try (Statement st = pg.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                rs.next();
                return rs.getLong(1);
            } catch (SQLException e) {
                return 0; // the table does not exist yet
            }
        }
    }

    /** Heap used and committed of the pipeline's JVM, sampled every second by jstat. */
    private static final class HeapWatch implements AutoCloseable {

        private final Process jstat;
        private final AtomicLong peakUsed = new AtomicLong();
        private final AtomicLong peakCommitted = new AtomicLong();

        HeapWatch(long pid) throws IOException {
            jstat = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jstat").toString(), "-gc",
                    Long.toString(pid), "1000").redirectErrorStream(true).start();
            Thread reader = new Thread(this::read, "jstat-reader");
            reader.setDaemon(true);
            reader.start();
        }

        private void read() {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(jstat.getInputStream(), StandardCharsets.UTF_8))) {
                List<String> header = null;
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    List<String> fields = List.of(line.trim().split("\\s+"));
                    if (fields.contains("EU")) {
                        header = fields;
                    } else if (header != null && fields.size() == header.size()) {
                        List<String> h = header;
                        java.util.function.ToDoubleFunction<String> v = name -> Double.parseDouble(fields.get(h.indexOf(name)));
                        long used = (long) (v.applyAsDouble("S0U") + v.applyAsDouble("S1U") + v.applyAsDouble("EU") + v.applyAsDouble("OU"));
                        long committed = (long) (v.applyAsDouble("S0C") + v.applyAsDouble("S1C") + v.applyAsDouble("EC") + v.applyAsDouble("OC"));
                        peakUsed.accumulateAndGet(used, Math::max);
                        peakCommitted.accumulateAndGet(committed, Math::max);
                    }
                }
            } catch (IOException | RuntimeException e) {
                // jstat ended with the pipeline
            }
        }

        long peakUsedKib() {
            return peakUsed.get();
        }

        long peakCommittedKib() {
            return peakCommitted.get();
        }

        @Override
        public void close() {
            jstat.destroy();
        }
    }

    /** The PostgreSQL server process running on this data folder (pg_ctl starts it: it is no child of the JVM). */
    private static long postmaster(Path pgData) throws IOException {
        String absolute = pgData.toAbsolutePath().normalize().toString();
        try (var processes = Files.list(Path.of("/proc"))) {
            for (Path dir : processes.filter(d -> d.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String command = Files.readString(dir.resolve("cmdline")).replace('\0', ' ');
                    if (command.contains("postgres") && (command.contains(" -D " + absolute) || command.contains(" -D " + pgData))) {
                        return Long.parseLong(dir.getFileName().toString());
                    }
                } catch (IOException gone) {
                    // ended meanwhile
                }
            }
        }
        throw new IllegalStateException("No PostgreSQL server runs on " + pgData);
    }

    /**
     * CPU seconds (user and system) a process has used; with {@code tree}, with those of the processes it started
     * (PostgreSQL's backends, those that ended included).
     */
    private static double cpuSeconds(long pid, boolean tree) throws IOException {
        long ticks = 0;
        try (var processes = Files.list(Path.of("/proc"))) {
            for (Path dir : processes.filter(d -> d.getFileName().toString().matches("\\d+")).toList()) {
                String stat;
                try {
                    stat = Files.readString(dir.resolve("stat"));
                } catch (IOException gone) {
                    continue;
                }
                // after the command's closing parenthesis: state, ppid, ... utime (14th field), stime, cutime, cstime
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                long self = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                long waited = Long.parseLong(f[13]) + Long.parseLong(f[14]);
                long id = Long.parseLong(dir.getFileName().toString());
                if (id == pid) {
                    ticks += tree ? self + waited : self;
                } else if (tree && descends(id, pid)) {
                    ticks += self + waited;
                }
            }
        }
        return ticks / 100.0; // USER_HZ
    }

    private static boolean descends(long id, long ancestor) {
        for (int depth = 0; depth < 8 && id > 1; depth++) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(id), "stat"));
                id = Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
            } catch (IOException | RuntimeException gone) {
                return false;
            }
            if (id == ancestor) {
                return true;
            }
        }
        return false;
    }

    /** The process's peak resident set (VmHWM), which the kernel keeps over its whole life. */
    private static long peakRssKib(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IllegalStateException("No VmHWM in /proc/" + pid + "/status");
    }

    private static void generate(Path file, long firstId, int rows) throws IOException {
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write("id,nazwa,email,kraj,telefon\n");
            for (long id = firstId; id < firstId + rows; id++) {
                out.write(id + ",\"Firma " + id + "\",\"biuro" + id + "@firma.example\"," + COUNTRIES[(int) (id % COUNTRIES.length)]
                        + ",\"+48 600 " + String.format("%06d", id % 1_000_000) + "\"\n");
            }
        }
    }

    private static void awaitLog(Process process, Path log, String line, int timeoutSeconds) throws Exception {
        try {
            await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(250)).atMost(Duration.ofSeconds(timeoutSeconds))
                    .until(() -> {
                        if (!process.isAlive()) {
                            throw new IllegalStateException("The pipeline exited with " + process.exitValue() + ": see " + log);
                        }
                        return Files.readString(log, StandardCharsets.ISO_8859_1).contains(line);
                    });
        } catch (ConditionTimeoutException e) {
            throw new IllegalStateException("The pipeline did not start within " + timeoutSeconds + " s: see " + log);
        }
    }

    private static String report(int rows, List<RunResult> results) {
        StringBuilder b = new StringBuilder();
        b.append("# End-to-end benchmark, ").append(Instant.now()).append("\n\n");
        b.append(String.format("`bench/pipeline.sh %d %d`: the fat jar on its embedded default (PostgreSQL, Kafka and S3 "
                + "started by it, on %s, JVM options: %s), the sample CSV files imported first, then %,d new `%s` rows "
                + "dropped as one file (renamed into the folder). Seconds from the drop until each stage holds every row, "
                + "median of %d run(s) (each run: %s). %d cores.%n%n", rows, results.size(),
                // the pipeline runs on the benchmark's own JVM
                "Java " + Runtime.version() + " (" + System.getProperty("java.vm.vendor") + ")",
                System.getenv().getOrDefault("BENCH_PIPELINE_OPTS", "").isBlank() ? "the JVM's default heap"
                        : "`" + System.getenv("BENCH_PIPELINE_OPTS") + "`",
                rows, TABLE, results.size(), "a fresh data folder", Runtime.getRuntime().availableProcessors()));
        b.append("| stage holds all rows | seconds after the drop | rows/s |\n|---|---:|---:|\n");
        for (String stage : results.get(0).seconds().keySet()) {
            double median = median(results.stream().map(r -> r.seconds().get(stage)).toList());
            b.append(String.format("| %s | %.1f | %,d |%n", stage, median, Math.round(rows / median)));
        }
        b.append(String.format("%n| memory of the pipeline process (median of the runs' peaks) | MiB |%n|---|---:|%n"
                        + "| peak RSS (VmHWM; the embedded Kafka broker and S3 server run in it, PostgreSQL does not) | %d |%n"
                        + "| peak heap used | %d |%n| peak heap committed | %d |%n",
                median(results.stream().map(r -> (double) r.peakRssKib()).toList()).longValue() / 1024,
                median(results.stream().map(r -> (double) r.peakHeapUsedKib()).toList()).longValue() / 1024,
                median(results.stream().map(r -> (double) r.peakHeapCommittedKib()).toList()).longValue() / 1024));
        b.append(String.format("%n| CPU from the drop until every stage holds the rows (median of the runs) | seconds |%n"
                        + "|---|---:|%n| the pipeline's JVM (capture, archive, aggregates, the embedded Kafka broker and S3 server) | %.1f |%n"
                        + "| PostgreSQL (the import, the WAL decoding for capture, the aggregates' state) | %.1f |%n",
                median(results.stream().map(RunResult::jvmCpuSeconds).toList()),
                median(results.stream().map(RunResult::postgresCpuSeconds).toList())));
        b.append("\nTargets (issue: end-to-end speed): every stage within 60 s of the drop for 1,000,000 rows; "
                + "peak RSS <= 1 GiB.\n\nRuns:\n\n");
        for (RunResult r : results) {
            b.append("- ").append(r).append('\n');
        }
        return b.toString();
    }

    private static Double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
