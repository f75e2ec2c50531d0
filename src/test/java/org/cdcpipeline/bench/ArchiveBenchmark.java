package org.cdcpipeline.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.cdcpipeline.Pipeline;
import org.cdcpipeline.RunOptions;
import org.cdcpipeline.TestServices;
import org.cdcpipeline.archive.ArchiveStats;
import org.cdcpipeline.embedded.EmbeddedServices;

import static org.awaitility.Awaitility.await;

/**
 * Raw archive throughput: a topic pre-filled with change events of the klienci shape (the envelope cdc-capture
 * writes), then the raw-archive route at its default settings (10,000 changes / 10 s / 2 s quiet per object, snappy) into the
 * embedded S3 server, from its start to the last row written. Peak heap sampled every 50 ms.
 * Run with bench/archive.sh; results in bench/results/archive.md.
 */
public final class ArchiveBenchmark {

    private static final String TOPIC = "bench.bench.klienci";
    private static final String ROW_SCHEMA = "{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,\"field\":\"id\"},"
            + "{\"type\":\"string\",\"optional\":false,\"field\":\"nazwa\"},{\"type\":\"string\",\"optional\":true,\"field\":\"email\"},"
            + "{\"type\":\"string\",\"optional\":true,\"field\":\"kraj\"},{\"type\":\"string\",\"optional\":true,\"field\":\"telefon\"}],"
            + "\"optional\":true,\"name\":\"bench.bench.klienci.Value\",\"field\":\"%s\"}";
    private static final String SCHEMA = "{\"type\":\"struct\",\"fields\":[" + ROW_SCHEMA.formatted("before") + ","
            + ROW_SCHEMA.formatted("after") + ",{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,\"field\":\"version\"},"
            + "{\"type\":\"string\",\"optional\":false,\"field\":\"connector\"},{\"type\":\"string\",\"optional\":false,\"field\":\"name\"},"
            + "{\"type\":\"int64\",\"optional\":false,\"field\":\"ts_ms\"},{\"type\":\"string\",\"optional\":false,\"field\":\"db\"},"
            + "{\"type\":\"string\",\"optional\":false,\"field\":\"schema\"},{\"type\":\"string\",\"optional\":false,\"field\":\"table\"},"
            + "{\"type\":\"int64\",\"optional\":true,\"field\":\"txId\"},{\"type\":\"int64\",\"optional\":true,\"field\":\"lsn\"}],"
            + "\"optional\":false,\"name\":\"io.debezium.connector.postgresql.Source\",\"field\":\"source\"},"
            + "{\"type\":\"string\",\"optional\":false,\"field\":\"op\"},{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_ms\"}],"
            + "\"optional\":false,\"name\":\"bench.bench.klienci.Envelope\",\"version\":2}";

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        Path work = Files.createDirectories(Path.of("bench", "work", "archive"));
        Map<String, String> config = TestServices.privateServices(work.resolve("services"), "bench");
        try (EmbeddedServices services = EmbeddedServices.start(k -> config.getOrDefault(k, ""), true)) {
            String kafka = services.endpoints().get("kafka.bootstrap-servers");
            long fillStart = System.nanoTime();
            fill(kafka, events);
            double fillSeconds = (System.nanoTime() - fillStart) / 1e9;
            System.out.printf("topic filled with %,d change events in %.1f s%n", events, fillSeconds);

            Map<String, String> settings = new HashMap<>(config);
            settings.putAll(services.endpoints());
            settings.put("s3.bucket", "processed-data");
            settings.put("pipeline.data-dir", work.resolve("services").toString());
            settings.put("csv.dir", Files.createDirectories(work.resolve("csv")).toString());
            settings.put("csv.schema", "bench");
            settings.put("topic.prefix", "bench");
            settings.put("cdc.enabled", "false");
            settings.put("archive.enabled", "true");
            settings.put("aggregate.enabled", "false");
            MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
            System.gc();
            AtomicLong peakHeap = new AtomicLong();
            AtomicLong peakAfterGc = new AtomicLong();
            java.util.List<java.lang.management.MemoryPoolMXBean> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                    .filter(pool -> pool.getType() == java.lang.management.MemoryType.HEAP && pool.getCollectionUsage() != null)
                    .toList();
            Pipeline pipeline = new Pipeline(new RunOptions(false, false, false), settings);
            Thread runner = new Thread(pipeline::run, "bench-pipeline");
            long start = System.nanoTime();
            runner.start();
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(20)).until(pipeline::isStarted);
            ArchiveStats stats = pipeline.context().getRegistry().lookupByNameAndType("archiveStats", ArchiveStats.class);
            long started = System.nanoTime();
            AtomicLong ninetyAt = new AtomicLong();
            // sampled every 50 ms until the last row is in S3
            await().atMost(Duration.ofMinutes(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
                if (ninetyAt.get() == 0 && stats.rowsWritten() >= events * 9L / 10) {
                    ninetyAt.set(System.nanoTime());
                }
                peakHeap.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                peakAfterGc.accumulateAndGet(heapPools.stream().mapToLong(pool -> pool.getCollectionUsage().getUsed()).sum(), Math::max);
                return stats.rowsWritten() >= events;
            });
            long ninety = ninetyAt.get();
            long done = System.nanoTime();
            long rows = stats.rowsWritten();
            pipeline.stop();
            runner.join(60_000);
            double seconds = (done - started) / 1e9;
            String result = String.format("""
                    # Raw archive benchmark

                    %,d change events (klienci shape, the cdc-capture envelope) pre-filled in one topic-partition, then
                    the raw-archive route at default settings (10,000 changes, 10 s or 2 s quiet per object, snappy) into the
                    embedded S3 server, all in one JVM (`-Xmx%dm`) on this machine (%d cores). Time from the routes'
                    start (consumer group join included) to the last row in S3.

                    | measure | value |
                    |---|---:|
                    | rows archived | %,d |
                    | seconds | %.1f |
                    | events/s (all rows; the last, partial batch waits until its partition is quiet) | %,.0f |
                    | events/s over the first 90%% of rows (steady rate) | %,.0f |
                    | peak heap used (MiB, sampled every 50 ms, garbage included) | %d |
                    | peak heap left after a collection (MiB, what the archive holds) | %d |
                    | topic fill rate (producer, events/s, for reference) | %,.0f |
                    """, events, Runtime.getRuntime().maxMemory() / (1024 * 1024),
                    Runtime.getRuntime().availableProcessors(), rows, seconds, rows / seconds,
                    events * 0.9 / ((ninety == 0 ? done : ninety) - started) * 1e9,
                    peakHeap.get() / (1024 * 1024), peakAfterGc.get() / (1024 * 1024), events / fillSeconds);
            result += latency(settings, work, config.get("postgres.port"));
            System.out.println(result);
            Files.createDirectories(Path.of("bench", "results"));
            Files.writeString(Path.of("bench", "results", "archive.md"), result);
        }
        System.exit(0);
    }

    /**
     * Commit in PostgreSQL to object in S3 at default settings: the pipeline with capture and archive running, one row
     * inserted at a time (a quiet table, so each waits until its partition is quiet), until the archive reports the object
     * holding it uploaded.
     */
    private static String latency(Map<String, String> base, Path work, String pgPort) throws Exception {
        Map<String, String> settings = new HashMap<>(base);
        settings.put("pipeline.data-dir", Files.createDirectories(work.resolve("latency")).toString());
        settings.put("csv.schema", "bench_latency");
        settings.put("topic.prefix", "benchlat");
        settings.put("cdc.enabled", "true");
        settings.put("cdc.slot-name", "bench_latency");
        settings.put("cdc.publication-name", "bench_latency");
        Pipeline pipeline = new Pipeline(new RunOptions(false, false, false), settings);
        Thread runner = new Thread(pipeline::run, "bench-latency");
        runner.start();
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(20)).until(pipeline::isStarted);
        ArchiveStats stats = pipeline.context().getRegistry().lookupByNameAndType("archiveStats", ArchiveStats.class);
        java.util.List<Long> millis = new java.util.ArrayList<>();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres",
                "postgres", "bench"); java.sql.Statement st = c.createStatement()) {
            for (int i = 0; i <= 5; i++) {
                long before = stats.rowsWritten();
                long t0 = System.nanoTime();
                st.executeUpdate("INSERT INTO bench_latency.klienci (id, nazwa, kraj) VALUES (" + (i + 1) + ", 'Opóźnienie', 'Polska')");
                await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(5)).until(() -> stats.rowsWritten() > before);
                if (i > 0) { // the first warms capture and the archive up
                    millis.add((System.nanoTime() - t0) / 1_000_000);
                }
            }
        }
        pipeline.stop();
        runner.join(60_000);
        java.util.Collections.sort(millis);
        return String.format("| PostgreSQL commit to object in S3, one quiet table, default settings (median of %d; min / max) "
                + "| %,d ms (%,d / %,d) |%n%nThe commit-to-object latency is the batch's idle time (`archive.batch-idle-ms`, "
                + "2 s: a quiet table's change is written once its partition has had no change that long, checked every "
                + "half second) plus capture and the upload; a busy partition's batch is cut by size or age.%n", millis.size(), millis.get(millis.size() / 2), millis.get(0), millis.get(millis.size() - 1));
    }

    private static void fill(String kafka, int events) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka);
        p.put("batch.size", "262144");
        p.put("linger.ms", "5");
        p.put("compression.type", "lz4");
        long ts = 1741899497088L;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            for (int i = 1; i <= events; i++) {
                String row = "{\"id\":" + i + ",\"nazwa\":\"Firma " + i + "\",\"email\":\"kontakt" + i
                        + "@firma.pl\",\"kraj\":\"Polska\",\"telefon\":\"+48 600 123 456\"}";
                String value = "{\"schema\":" + SCHEMA + ",\"payload\":{\"before\":null,\"after\":" + row
                        + ",\"source\":{\"version\":\"3.4.0.Final\",\"connector\":\"postgresql\",\"name\":\"bench\",\"ts_ms\":"
                        + (ts + i / 100) + ",\"db\":\"postgres\",\"schema\":\"bench\",\"table\":\"klienci\",\"txId\":" + (1000 + i)
                        + ",\"lsn\":" + (24949288L + 100L * i) + "},\"op\":\"c\",\"ts_ms\":" + (ts + i / 100) + "}}";
                producer.send(new ProducerRecord<>(TOPIC, "{\"payload\":{\"id\":" + i + "}}", value));
            }
            producer.flush();
        }
    }
}
