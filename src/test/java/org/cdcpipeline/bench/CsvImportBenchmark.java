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
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.cdcpipeline.Pipeline;
import org.cdcpipeline.RunOptions;
import org.cdcpipeline.TestServices;
import org.cdcpipeline.embedded.EmbeddedServices;
import org.postgresql.PGConnection;

/**
 * CSV import throughput against PostgreSQL's own COPY of the same file into the same table shape, in one run:
 * a first import into an empty table and a re-import of the same file (every row an upsert). Run it with
 * bench/csv-import.sh, which gives this JVM the heap limit under test; PostgreSQL runs as its own process.
 */
public final class CsvImportBenchmark {

    private static final String DDL = """
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
        Files.writeString(schemaDir.resolve("klienci_bench.sql"), DDL.formatted("klienci_bench"));

        Map<String, String> config = new HashMap<>();
        config.put("pipeline.data-dir", work.resolve("data").toString());
        config.put("postgres.host", "");
        config.put("postgres.port", String.valueOf(TestServices.freePort()));
        config.put("postgres.embedded.config-file", "postgresql.conf");
        config.put("kafka.bootstrap-servers", "unused:9092");
        config.put("s3.endpoint", "http://unused");
        try (EmbeddedServices services = EmbeddedServices.start(k -> config.getOrDefault(k, ""), true)) {
            String url = "jdbc:postgresql://127.0.0.1:" + config.get("postgres.port") + "/postgres";
            double copyRate = copy(url, csv, rows);

            Map<String, String> pipeline = new HashMap<>(services.endpoints());
            pipeline.put("postgres.port", config.get("postgres.port"));
            pipeline.put("kafka.bootstrap-servers", "unused:9092");
            pipeline.put("s3.endpoint", "http://unused");
            pipeline.put("csv.dir", input.toString());
            pipeline.put("csv.schema-dir", schemaDir.toString());
            pipeline.put("csv.poll-delay-ms", "100");
            pipeline.put("csv.read-lock-check-interval-ms", "100");
            pipeline.put("csv.read-lock-min-age-ms", "0");
            Measure first = importOnce(pipeline, csv, input, rows);
            Measure again = importOnce(pipeline, csv, input, rows);

            String report = String.join("\n",
                    "# CSV import benchmark, " + Instant.now(),
                    "",
                    rows + " rows, 5 columns (klienci shape: integer primary key, 4 varchar), PostgreSQL 17 on the same machine, "
                            + Runtime.getRuntime().availableProcessors() + " cores, JVM max heap "
                            + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB",
                    "",
                    "| case | rows/s | vs COPY | peak heap MiB |",
                    "|---|---:|---:|---:|",
                    String.format("| COPY (CopyManager, same file, empty table) | %.0f | 1.00 | - |", copyRate),
                    String.format("| pipeline: first import into an empty table | %.0f | %.2f | %d |", first.rate, first.rate / copyRate, first.peakHeapMiB),
                    String.format("| pipeline: re-import, every row an upsert | %.0f | %.2f | %d |", again.rate, again.rate / copyRate, again.peakHeapMiB),
                    "",
                    String.format("Targets at -Xmx256m: first import >= 0.80x COPY (%s), re-import >= 0.35x COPY (%s).",
                            first.rate / copyRate >= 0.8 ? "met" : "MISSED", again.rate / copyRate >= 0.35 ? "met" : "MISSED"),
                    "Pipeline rates run from dropping the file into the folder until it is moved to .done.",
                    "");
            System.out.println(report);
            Path results = Files.createDirectories(Path.of("bench", "results"));
            Files.writeString(results.resolve("csv-import.md"), report);
        }
    }

    private record Measure(double rate, long peakHeapMiB) {
    }

    private static double copy(String url, Path csv, int rows) throws Exception {
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement st = c.createStatement()) {
            st.execute(DDL.formatted("copy_baseline"));
            long start = System.nanoTime();
            try (Reader in = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
                c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY copy_baseline FROM STDIN WITH (FORMAT csv, HEADER true)", in);
            }
            return rows / seconds(start);
        }
    }

    private static Measure importOnce(Map<String, String> config, Path csv, Path input, int rows) throws Exception {
        Pipeline pipeline = new Pipeline(new RunOptions(false, false, false), config);
        Thread runner = new Thread(pipeline::run, "bench-pipeline");
        runner.start();
        while (!pipeline.isStarted()) {
            Thread.sleep(50);
        }
        System.gc();
        List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).toList();
        heap.forEach(MemoryPoolMXBean::resetPeakUsage);
        Path staged = input.resolve(".klienci_bench.csv.tmp");
        Files.copy(csv, staged, StandardCopyOption.REPLACE_EXISTING);
        long start = System.nanoTime();
        Files.move(staged, input.resolve("klienci_bench.csv"), StandardCopyOption.ATOMIC_MOVE);
        while (Files.exists(input.resolve("klienci_bench.csv"))) {
            Thread.sleep(20);
        }
        double rate = rows / seconds(start);
        long peak = heap.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum() / (1024 * 1024);
        pipeline.stop();
        runner.join();
        return new Measure(rate, peak);
    }

    private static void generate(Path csv, int rows) throws Exception {
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
