package org.cdcpipeline.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;

import com.sun.management.OperatingSystemMXBean;
import org.cdcpipeline.Pipeline;
import org.cdcpipeline.RunOptions;
import org.cdcpipeline.TestServices;
import org.cdcpipeline.csv.ImportStats;
import org.cdcpipeline.embedded.EmbeddedServices;

import static org.awaitility.Awaitility.await;

/**
 * Whether health requests slow the CSV import: after 30 s of imports to warm up, the same file imported back to back
 * for 30 s without health requests, for 30 s while 50 concurrent GET /observe/health are sent every second, and for
 * 30 s without again (the two quiet windows pooled, so a drift of the machine over the run counts against neither
 * side). Run it with bench/health-load.sh; results in bench/results/health-load.md.
 */
public final class HealthLoadBenchmark {

    private static final Duration WINDOW = Duration.ofSeconds(30);
    private static final int REQUESTS_PER_SECOND = 50;
    private static final double TARGET_CHANGE = 0.10;
    private static final Duration CPU_WINDOW = Duration.ofSeconds(15);

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        Path work = Path.of("bench", "work", "health-load");
        Path input = Files.createDirectories(work.resolve("in"));
        Path schemaDir = Files.createDirectories(work.resolve("schema"));
        Path csv = work.resolve("klienci_health.csv");
        CsvImportBenchmark.generate(csv, rows);

        Map<String, String> config = TestServices.privatePostgres(work.resolve("data"), "bench");
        try (EmbeddedServices services = EmbeddedServices.start(k -> config.getOrDefault(k, ""), true)) {
            Map<String, String> settings = new HashMap<>(config);
            settings.putAll(services.endpoints());
            settings.put("csv.dir", input.toString());
            settings.put("csv.schema-dir", schemaDir.toString());
            settings.put("csv.poll-delay-ms", "100");
            settings.put("csv.read-lock-check-interval-ms", "100");
            settings.put("csv.read-lock-min-age-ms", "0");
            settings.put("cdc.enabled", "false");
            settings.put("aggregate.enabled", "false");
            settings.put("jmx.enabled", "false");
            settings.put("observe.enabled", "true");
            settings.put("observe.port", String.valueOf(TestServices.freePort()));
            System.getProperties().stringPropertyNames().stream()
                    .filter(k -> Stream.of("csv.", "camel.", "health.", "postgres.pool-size").anyMatch(k::startsWith))
                    .forEach(k -> settings.put(k, System.getProperty(k)));

            Pipeline pipeline = new Pipeline(new RunOptions(false, false, false), settings);
            Thread runner = new Thread(pipeline::run, "bench-pipeline");
            runner.start();
            await().atMost(Duration.ofMinutes(2)).until(() -> pipeline.isStarted() || !runner.isAlive());
            if (!pipeline.isStarted()) {
                throw new IllegalStateException("The pipeline did not start: see the log above");
            }
            String url = "jdbc:postgresql://127.0.0.1:" + config.get("postgres.port") + "/postgres";
            Imports imports = new Imports(pipeline, csv, input, schemaDir, url, rows);
            // not counted: the first imports run while the JIT compiles the import's code, so the rate still climbs
            imports.during(WINDOW);
            List<Double> before = imports.during(WINDOW);
            URI health = URI.create("http://127.0.0.1:" + settings.get("observe.port") + "/observe/health");
            HealthLoad load = new HealthLoad(health);
            load.start();
            List<Double> loaded = imports.during(WINDOW);
            String requests = load.stop();
            List<Double> after = imports.during(WINDOW);
            String cpu = cpuOfTheLoad(health);
            pipeline.stop();
            runner.join();

            List<Double> quiet = new ArrayList<>(before);
            quiet.addAll(after);
            double quietRate = median(quiet);
            double loadedRate = median(loaded);
            double ratio = loadedRate / quietRate;
            String report = String.join("\n",
                    "# Health load benchmark, " + Instant.now(),
                    "",
                    rows + " rows per import (klienci shape, a new table each time), PostgreSQL 17 on the same machine, "
                            + Runtime.getRuntime().availableProcessors() + " cores, JVM max heap "
                            + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB; capture, archive and aggregates off",
                    "(readiness: the postgresql probe and Camel's own checks); health.timeout-ms="
                            + setting(pipeline, "health.timeout-ms") + ", health.cache-ms=" + setting(pipeline, "health.cache-ms")
                            + ", postgres.pool-size=" + setting(pipeline, "postgres.pool-size"),
                    "",
                    "| window (30 s each) | imports | median rows/s | slowest | fastest |",
                    "|---|---:|---:|---:|---:|",
                    row("quiet, before", before),
                    row(REQUESTS_PER_SECOND + " concurrent GET /observe/health every second", loaded),
                    row("quiet, after", after),
                    "",
                    String.format("Import rate under health load: %.0f rows/s against %.0f rows/s quiet (median of both quiet "
                                    + "windows): ratio %.3f, change %+.1f%% (target: less than %.0f%%, %s).", loadedRate,
                            quietRate, ratio, (ratio - 1) * 100, TARGET_CHANGE * 100,
                            Math.abs(ratio - 1) < TARGET_CHANGE ? "met" : "MISSED"),
                    "",
                    "Health requests in the loaded window: " + requests,
                    "",
                    cpu,
                    "Rows/s: from the route picking the file up to the commit of its last batch (the pipeline's own timing);",
                    "30 s of imports before the first window warm the JVM up and are not counted.",
                    "The requests come from a JVM of their own (java.net.http.HttpClient, HTTP/1.1), as a prober's would;",
                    "it shares the machine's cores with the pipeline and PostgreSQL.",
                    "");
            System.out.println(report);
            Path results = Files.createDirectories(Path.of("bench", "results"));
            Files.writeString(results.resolve("health-load.md"), report);
        }
    }

    /**
     * The CPU the health load takes, measured with the pipeline idle (no import), where it is not lost in the
     * import's own variation: the pipeline JVM's CPU without and with the load, and the client JVM's.
     */
    /** A reading taken one {@link #CPU_WINDOW} from now. */
    private static <T> T afterWindow(Supplier<T> reading) {
        return CompletableFuture.supplyAsync(reading,
                CompletableFuture.delayedExecutor(CPU_WINDOW.toMillis(), TimeUnit.MILLISECONDS)).join();
    }

    private static String cpuOfTheLoad(URI health) throws Exception {
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        // each reading is taken one window after the one before: the first once the last import's commits and moves
        // have settled, the loaded ones once the client's JIT has warmed up
        long start = afterWindow(os::getProcessCpuTime);
        double idle = (afterWindow(os::getProcessCpuTime) - start) / 1e6 / CPU_WINDOW.toSeconds();
        HealthLoad load = new HealthLoad(health);
        load.start();
        long[] loadedStart = afterWindow(() -> new long[] {os.getProcessCpuTime(), load.clientCpuNanos()});
        long[] loadedEnd = afterWindow(() -> new long[] {os.getProcessCpuTime(), load.clientCpuNanos()});
        double loaded = (loadedEnd[0] - loadedStart[0]) / 1e6 / CPU_WINDOW.toSeconds();
        double client = (loadedEnd[1] - loadedStart[1]) / 1e6 / CPU_WINDOW.toSeconds();
        load.stop();
        int cores = os.getAvailableProcessors();
        return String.format(Locale.ROOT, "CPU of the health load with the pipeline idle (%d s each): the pipeline's JVM "
                        + "%.0f ms/s without, %.0f ms/s with it (%.2f ms per request, %.1f%% of %d cores); the client's "
                        + "JVM %.0f ms/s (%.1f%%).", CPU_WINDOW.toSeconds(), idle, loaded,
                (loaded - idle) / REQUESTS_PER_SECOND, 100 * (loaded - idle) / 1000 / cores, cores, client,
                100 * client / 1000 / cores);
    }

    private static String setting(Pipeline pipeline, String key) {
        return pipeline.context().getPropertiesComponent().resolveProperty(key).orElse("?");
    }

    private static String row(String window, List<Double> rates) {
        return String.format("| %s | %d | %.0f | %.0f | %.0f |", window, rates.size(), median(rates),
                rates.stream().mapToDouble(Double::doubleValue).min().orElse(0),
                rates.stream().mapToDouble(Double::doubleValue).max().orElse(0));
    }

    private static double median(List<Double> values) {
        return values.stream().sorted().toList().get(values.size() / 2);
    }

    /** Imports of the one file, each into a new table that is dropped after, so the database does not grow. */
    private static final class Imports {

        private final Pipeline pipeline;
        private final Path csv;
        private final Path input;
        private final Path schemaDir;
        private final String url;
        private final int rows;
        private int round;

        Imports(Pipeline pipeline, Path csv, Path input, Path schemaDir, String url, int rows) {
            this.pipeline = pipeline;
            this.csv = csv;
            this.input = input;
            this.schemaDir = schemaDir;
            this.url = url;
            this.rows = rows;
        }

        /** Imports back to back until {@code window} has passed (at least once); rows/s of each. */
        List<Double> during(Duration window) throws Exception {
            long end = System.nanoTime() + window.toNanos();
            List<Double> rates = new ArrayList<>();
            do {
                rates.add(next());
            } while (System.nanoTime() < end);
            return rates;
        }

        double next() throws Exception {
            String table = "klienci_health_" + (++round);
            Path schema = schemaDir.resolve(table + ".sql");
            Files.writeString(schema, CsvImportBenchmark.DDL.formatted(table));
            ImportStats stats = pipeline.context().getRegistry().lookupByNameAndType("importStats", ImportStats.class);
            long millisBefore = stats.importMillis(table);
            String name = table + ".csv";
            Path staged = input.resolve("." + name + ".tmp");
            Files.copy(csv, staged, StandardCopyOption.REPLACE_EXISTING);
            Files.move(staged, input.resolve(name), StandardCopyOption.ATOMIC_MOVE);
            await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(20))
                    .until(() -> !Files.exists(input.resolve(name)) && stats.importMillis(table) != millisBefore);
            double rate = rows * 1000.0 / (stats.importMillis(table) - millisBefore);
            try (Connection c = DriverManager.getConnection(url, "postgres", "bench"); Statement st = c.createStatement()) {
                st.execute("DROP TABLE " + table);
            }
            Files.delete(schema);
            await().atMost(Duration.ofMinutes(1)).until(() -> deleteDone(name));
            return rate;
        }

        /** Deletes the imported file from .done (where it gets a time prefix); false while it is not there yet. */
        private boolean deleteDone(String name) throws IOException {
            Path done = input.resolve(".done");
            if (!Files.isDirectory(done)) {
                return false;
            }
            try (Stream<Path> files = Files.list(done)) {
                List<Path> imported = files.filter(f -> f.getFileName().toString().endsWith("-" + name)).toList();
                for (Path f : imported) {
                    Files.delete(f);
                }
                return !imported.isEmpty();
            }
        }
    }

    /**
     * The health load, from a JVM of its own as a prober (kubelet, curl) would send it, so its client work and garbage
     * do not count as the pipeline's; this JVM only counts the probe threads the requests cause.
     */
    private static final class HealthLoad {

        private final Process client;
        private final BufferedReader out;
        private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        private final AtomicInteger probeThreads = new AtomicInteger();

        HealthLoad(URI health) throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            client = new ProcessBuilder(java, "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                    Client.class.getName(), health.toString(), String.valueOf(REQUESTS_PER_SECOND))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            out = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
        }

        /** Returns once the client sends its first requests. */
        void start() throws IOException {
            if (!"started".equals(out.readLine())) {
                throw new IllegalStateException("The health load client did not start: see its output above");
            }
            sampler.scheduleAtFixedRate(() -> probeThreads.accumulateAndGet((int) Thread.getAllStackTraces().keySet()
                    .stream().filter(t -> t.getName().contains("health-probes")).count(), Math::max), 0, 1, TimeUnit.SECONDS);
        }

        /** CPU time the client's JVM has used so far. */
        long clientCpuNanos() {
            return client.info().totalCpuDuration().orElseThrow().toNanos();
        }

        /** Stops the load once the requests sent are answered; its figures and the most probe threads seen. */
        String stop() throws Exception {
            sampler.shutdown();
            try (Writer in = new OutputStreamWriter(client.getOutputStream(), StandardCharsets.UTF_8)) {
                in.write("stop\n");
            }
            String summary = out.readLine();
            if (!client.waitFor(2, TimeUnit.MINUTES) || summary == null) {
                client.destroyForcibly();
                throw new IllegalStateException("The health load client did not report: see its output above");
            }
            return summary + "; health-probes threads at most " + probeThreads.get() + ".";
        }
    }

    /** Sends {@code args[1]} GET requests to {@code args[0]} at once every second until a line arrives on stdin. */
    public static final class Client {

        public static void main(String[] args) throws Exception {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            HttpRequest request = HttpRequest.newBuilder(URI.create(args[0])).timeout(Duration.ofSeconds(10)).build();
            int perSecond = Integer.parseInt(args[1]);
            List<CompletableFuture<Void>> answers = new ArrayList<>();
            ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
            AtomicInteger up = new AtomicInteger();
            AtomicInteger down = new AtomicInteger();
            Map<String, Integer> errors = new ConcurrentSkipListMap<>();
            ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
            long started = System.nanoTime();
            ticker.scheduleAtFixedRate(() -> {
                for (int i = 0; i < perSecond; i++) {
                    long sent = System.nanoTime();
                    CompletableFuture<Void> answer = http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                            .handle((response, error) -> {
                                if (error != null) {
                                    Throwable cause = error.getCause() != null ? error.getCause() : error;
                                    errors.merge(cause.getClass().getSimpleName() + ": " + cause.getMessage(), 1, Integer::sum);
                                } else {
                                    latencies.add(System.nanoTime() - sent);
                                    (response.statusCode() == 200 ? up : down).incrementAndGet();
                                }
                                return null;
                            });
                    synchronized (answers) {
                        answers.add(answer);
                    }
                }
            }, 0, 1, TimeUnit.SECONDS);
            System.out.println("started");
            System.out.flush();
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            ticker.shutdown();
            ticker.awaitTermination(10, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - started) / 1e9;
            List<CompletableFuture<Void>> all;
            synchronized (answers) {
                all = List.copyOf(answers);
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(1, TimeUnit.MINUTES);
            List<Long> sorted = latencies.stream().sorted().toList();
            int failed = errors.values().stream().mapToInt(Integer::intValue).sum();
            System.out.println(String.format(Locale.ROOT, "%d sent over %.0f s; answered 200: %d, 503: %d, failed: %d%s; "
                            + "latency p50 %.1f ms, p99 %.1f ms, max %.1f ms", all.size(), seconds, up.get(), down.get(),
                    failed, errors.isEmpty() ? "" : " " + errors, percentile(sorted, 0.50), percentile(sorted, 0.99),
                    percentile(sorted, 1.0)));
            System.exit(0);
        }

        private static double percentile(List<Long> sortedNanos, double p) {
            if (sortedNanos.isEmpty()) {
                return 0;
            }
            int index = (int) Math.ceil(p * sortedNanos.size()) - 1;
            return sortedNanos.get(Math.max(0, index)) / 1e6;
        }
    }
}
