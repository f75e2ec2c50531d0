package org.cdcpipeline.bench;

import java.io.BufferedWriter;
import java.io.Reader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
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
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.cdcpipeline.Pipeline;
import org.cdcpipeline.RunOptions;
import org.cdcpipeline.TestServices;
import org.cdcpipeline.csv.ImportStats;
import org.cdcpipeline.embedded.EmbeddedServices;
import org.postgresql.PGConnection;

import static org.awaitility.Awaitility.await;

/**
 * CSV import throughput against PostgreSQL's own COPY of the same file into the same table shape, in one run:
 * a first import into an empty table and a re-import of the same file (every row an upsert). Run it with
 * bench/csv-import.sh, which gives this JVM the heap limit under test; PostgreSQL runs as its own process.
 */
public final class CsvImportBenchmark {

    private static final int ROUNDS = 3;

    /** The klienci shape, as schema/klienci.sql; %s: the table. */
    static final String DDL = """
            CREATE TABLE IF NOT EXISTS %s (
                id      integer PRIMARY KEY,
                nazwa   varchar(200) NOT NULL,
                email   varchar(254),
                kraj    varchar(100),
                telefon varchar(50))""";

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        Path work = Path.of("bench", "work");
        Path input = Files.createDirectories(work.resolve("in"));
        Path schemaDir = Files.createDirectories(work.resolve("schema"));
        Path csv = work.resolve("klienci_bench.csv");
        generate(csv, rows);

        Map<String, String> config = TestServices.privatePostgres(work.resolve("data"), "bench");
        try (EmbeddedServices services = EmbeddedServices.start(k -> config.getOrDefault(k, ""), true)) {
            String url = "jdbc:postgresql://127.0.0.1:" + config.get("postgres.port") + "/postgres";
            Map<String, String> settings = new HashMap<>(config);
            settings.putAll(services.endpoints());
            settings.put("csv.dir", input.toString());
            settings.put("csv.schema-dir", schemaDir.toString());
            settings.put("csv.poll-delay-ms", "100");
            settings.put("csv.read-lock-check-interval-ms", "100");
            settings.put("csv.read-lock-min-age-ms", "0");
            settings.put("cdc.enabled", "false");
            settings.put("aggregate.enabled", "false");
            System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("csv.") || k.startsWith("camel."))
                    .forEach(k -> settings.put(k, System.getProperty(k)));

            // the median of three rounds: one run on two busy cores varies by a fifth
            List<Double> copies = new ArrayList<>();
            List<Measure> firsts = new ArrayList<>();
            List<Measure> agains = new ArrayList<>();
            Pipeline pipeline = new Pipeline(new RunOptions(false, false, false), settings);
            Thread runner = new Thread(pipeline::run, "bench-pipeline");
            runner.start();
            await().atMost(Duration.ofMinutes(2)).until(() -> pipeline.isStarted() || !runner.isAlive());
            if (!pipeline.isStarted()) {
                throw new IllegalStateException("The pipeline did not start: see the log above");
            }
            for (int round = 1; round <= ROUNDS; round++) {
                String table = "klienci_bench_" + round;
                Files.writeString(schemaDir.resolve(table + ".sql"), DDL.formatted(table));
                copies.add(copy(url, "bench", csv, rows, "copy_baseline_" + round));
                firsts.add(importOnce(pipeline, csv, input, table, rows));
                agains.add(importOnce(pipeline, csv, input, table, rows));
            }
            pipeline.stop();
            runner.join();
            double copyRate = median(copies);
            Measure first = firsts.stream().sorted(Comparator.comparingDouble(Measure::rate)).toList().get(ROUNDS / 2);
            Measure again = agains.stream().sorted(Comparator.comparingDouble(Measure::rate)).toList().get(ROUNDS / 2);

            String report = String.join("\n",
                    "# CSV import benchmark, " + Instant.now(),
                    "",
                    rows + " rows, 5 columns (klienci shape: integer primary key, 4 varchar), PostgreSQL 17 on the same machine, "
                            + Runtime.getRuntime().availableProcessors() + " cores, JVM max heap "
                            + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB; median of " + ROUNDS + " rounds",
                    "",
                    "| case | rows/s | vs COPY | rows/s from file drop | peak heap MiB |",
                    "|---|---:|---:|---:|---:|",
                    String.format("| COPY (CopyManager, same file, empty table) | %.0f | 1.00 | - | - |", copyRate),
                    String.format("| pipeline: first import into an empty table | %.0f | %.2f | %.0f | %d |", first.rate,
                            first.rate / copyRate, first.endToEnd, first.peakHeapMiB),
                    String.format("| pipeline: re-import, every row an upsert | %.0f | %.2f | %.0f | %d |", again.rate,
                            again.rate / copyRate, again.endToEnd, again.peakHeapMiB),
                    "",
                    String.format("Targets at -Xmx256m: first import >= 0.80x COPY (%s), re-import >= 0.35x COPY (%s).",
                            first.rate / copyRate >= 0.8 ? "met" : "MISSED", again.rate / copyRate >= 0.35 ? "met" : "MISSED"),
                    "Pipeline rows/s: from the route picking the file up to the commit of its last batch. From file drop: until",
                    "the file is moved to .done, including the folder poll and the wait for the file to stop changing.",
                    "Each round: COPY into a new table, the pipeline's first import into another new table, then its re-import.",
                    "");
            System.out.println(report);
            Path results = Files.createDirectories(Path.of("bench", "results"));
            Files.writeString(results.resolve("csv-import.md"), report);
        }
    }

    private static double median(List<Double> values) {
        return values.stream().sorted().toList().get(values.size() / 2);
    }

    private record Measure(double rate, double endToEnd, long peakHeapMiB) {
    }

    private static double copy(String url, String password, Path csv, int rows, String table) throws Exception {
        try (Connection c = DriverManager.getConnection(url, "postgres", password); Statement st = c.createStatement()) {
            st.execute(DDL.formatted(table));
            long start = System.nanoTime();
            try (Reader in = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
                c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + table + " FROM STDIN WITH (FORMAT csv, HEADER true)", in);
            }
            return rows / seconds(start);
        }
    }

    private static Measure importOnce(Pipeline pipeline, Path csv, Path input, String table, int rows) throws Exception {
        ImportStats stats = pipeline.context().getRegistry().lookupByNameAndType("importStats", ImportStats.class);
        long millisBefore = stats.importMillis(table);
        System.gc();
        List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).toList();
        heap.forEach(MemoryPoolMXBean::resetPeakUsage);
        String name = table + ".csv";
        Path staged = input.resolve("." + name + ".tmp");
        Files.copy(csv, staged, StandardCopyOption.REPLACE_EXISTING);
        long start = System.nanoTime();
        Files.move(staged, input.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> !Files.exists(input.resolve(name)) && stats.importMillis(table) != millisBefore);
        double endToEnd = rows / seconds(start);
        long peak = heap.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum() / (1024 * 1024);
        double rate = rows * 1000.0 / (stats.importMillis(table) - millisBefore);
        return new Measure(rate, endToEnd, peak);
    }

    /** The benchmarks' CSV file: {@code rows} rows of the klienci shape, the same for every run (seed 42). */
    static void generate(Path csv, int rows) throws Exception {
        String[] countries = {"Polska", "Niemcy", "Czechy", "Słowacja", "Litwa", "Ukraina", "Francja", "Austria"};
        Random random = new Random(42);
        try (BufferedWriter out = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
            out.write("id,nazwa,email,kraj,telefon\n");
            for (int i = 1; i <= rows; i++) {
                out.write(i + ",\"Firma " + i + " Sp. z o.o.\",biuro" + i + "@firma" + (i % 977) + ".pl,"
                        + countries[random.nextInt(countries.length)] + ",+48 " + (500 + random.nextInt(300)) + " "
                        + (100 + random.nextInt(900)) + " " + (100 + random.nextInt(900)) + "\n");
            }
        }
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
