package org.cdcpipeline.csv;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.cdcpipeline.ChildProcessEnv;
import org.cdcpipeline.TestServices;
import org.cdcpipeline.PipelineJar;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Files built to exhaust memory, dropped into a pipeline process with a 256 MiB heap that exits on an
 * OutOfMemoryError: each is refused within 30 s with its reason, once, the process stays up and imports the next
 * good file.
 */
class CsvHostileFilesIT {

    private static final long MB = 1024 * 1024;
    private static final AtomicInteger GOOD_FILES = new AtomicInteger();

    @TempDir
    static Path work;

    private static Path csvDir;
    private static String schema;
    private static Process pipeline;

    @BeforeAll
    static void startPipeline() throws Exception {
        csvDir = Files.createDirectories(work.resolve("csv"));
        schema = "csv_hostile_" + ProcessHandle.current().pid();
        pipeline = PipelineJar.withEnvironment(ChildProcessEnv.csvImportOnly(csvDir, schema, work.resolve("data")))
                .jvm("-Xmx256m", "-XX:+ExitOnOutOfMemoryError").start(work.resolve("run.log"));
        PipelineJar.awaitRunning(pipeline, work.resolve("run.log"), Duration.ofSeconds(120));
    }

    @AfterAll
    static void stopPipeline() throws Exception {
        PipelineJar.stop(pipeline);
    }

    @Test
    void shouldRefuseA300MbFileWithoutLineBreaksWithoutRunningOutOfMemory() throws Exception {
        drop("bez_konca.csv", out -> {
            out.write("id,nazwa,".getBytes(StandardCharsets.US_ASCII));
            writeRepeated(out, (byte) 'x', 300 * MB);
        });
        assertRefused("bez_konca.csv", "the record starting on line 1 is longer than csv.max-record-chars");
    }

    @Test
    void shouldRefuseAFileWhoseQuoteOnLine2IsNeverClosed() throws Exception {
        drop("cudzyslow.csv", out -> {
            out.write("id,nazwa\n1,\"Firma X\n".getBytes(StandardCharsets.US_ASCII));
            byte[] row = "2,Firma Y\n".getBytes(StandardCharsets.US_ASCII);
            for (long written = 0; written < 100 * MB; written += row.length) {
                out.write(row);
            }
        });
        assertRefused("cudzyslow.csv", "the record starting on line 2 is longer than csv.max-record-chars");
    }

    @Test
    void shouldRefuseAHeaderOf5000Columns() throws Exception {
        String header = "id," + IntStream.range(1, 5000).mapToObj(i -> "kolumna_" + i).collect(Collectors.joining(","));
        String row = "1" + ",x".repeat(4999);
        drop("szeroki.csv", out -> {
            out.write((header + "\n").getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 2000; i++) {
                out.write((row.replaceFirst("^1", String.valueOf(i + 1)) + "\n").getBytes(StandardCharsets.US_ASCII));
            }
        });
        assertRefused("szeroki.csv", "the header has 5,000 columns; a PostgreSQL table holds at most 1,600");
    }

    private static void assertRefused(String name, String reason) throws Exception {
        long dropped = System.nanoTime();
        await().atMost(Duration.ofSeconds(30)).until(() -> listing(".error").stream().anyMatch(f -> f.endsWith("-" + name)));
        assertThat(Duration.ofNanos(System.nanoTime() - dropped)).isLessThan(Duration.ofSeconds(30));
        assertThat(pipeline.isAlive()).as("the pipeline process is up").isTrue();
        assertThat(log()).doesNotContain("OutOfMemoryError");
        // refused once, with its reason, and not picked up again
        assertThat(log().lines().filter(l -> l.contains("Refused " + name))).singleElement().asString().contains(reason);
        assertThat(csvDir.resolve(name)).doesNotExist();

        String table = "dobry_" + GOOD_FILES.incrementAndGet();
        drop(table + ".csv", out -> out.write("id,nazwa\n1,Alfa\n2,Beta\n".getBytes(StandardCharsets.US_ASCII)));
        await().atMost(Duration.ofSeconds(30)).until(() -> listing(".done").stream().anyMatch(f -> f.endsWith("-" + table + ".csv")));
        assertThat(TestServices.column("SELECT count(*) FROM " + schema + "." + table)).containsExactly("2");
        assertThat(log().lines().filter(l -> l.contains("Refused " + name))).hasSize(1);
    }

    private interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Written under a hidden name, then renamed into the folder, as docs/csv-import.md advises. */
    private static void drop(String name, Content content) throws IOException {
        Path tmp = csvDir.resolve("." + name + ".tmp");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), (int) MB)) {
            content.writeTo(out);
        }
        Files.move(tmp, csvDir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    }

    private static void writeRepeated(OutputStream out, byte b, long count) throws IOException {
        byte[] chunk = new byte[(int) MB];
        Arrays.fill(chunk, b);
        for (long written = 0; written < count; written += chunk.length) {
            out.write(chunk);
        }
    }

    private static List<String> listing(String folder) throws IOException {
        Path dir = csvDir.resolve(folder);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).toList();
        }
    }

    private static String log() {
        return PipelineJar.output(work.resolve("run.log"));
    }
}
