package org.cdcpipeline.csv;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.cdcpipeline.ChildProcessEnv;
import org.cdcpipeline.TestServices;
import org.cdcpipeline.PipelineJar;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Two pipeline processes polling one CSV folder on one machine: the marker files share the files out. */
class CsvTwoPipelinesIT {

    private static final int FILES = 30;

    @TempDir
    Path work;

    private final List<Process> pipelines = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (Process p : pipelines) {
            PipelineJar.stop(p);
        }
    }

    @Test
    void shouldImportEachFileOnceWhenTwoPipelinesShareTheFolder() throws Exception {
        Path csvDir = Files.createDirectories(work.resolve("csv"));
        String schema = "csv_two_" + ProcessHandle.current().pid();
        for (int i = 0; i < 2; i++) {
            pipelines.add(start(csvDir, schema, i));
        }
        await().atMost(Duration.ofSeconds(120)).until(() -> log(0).contains("cdc-pipeline is running")
                && log(1).contains("cdc-pipeline is running"));

        for (int n = 1; n <= FILES; n++) {
            StringBuilder csv = new StringBuilder("id,nazwa\n");
            for (int id = 1; id <= 2000; id++) {
                csv.append(id).append(",plik ").append(n).append('\n');
            }
            Path tmp = csvDir.resolve(".plik_" + n + ".tmp");
            Files.writeString(tmp, csv, StandardCharsets.UTF_8);
            Files.move(tmp, csvDir.resolve("plik_" + n + ".csv"), StandardCopyOption.ATOMIC_MOVE);
        }
        await().atMost(Duration.ofSeconds(180)).until(() -> count(csvDir.resolve(".done")) == FILES);

        // each import logs one "<file> -> <table>: N rows imported" line
        long imports = 0;
        for (int i = 0; i < 2; i++) {
            imports += log(i).lines().filter(l -> l.matches(".*plik_[0-9]+\\.csv -> plik_[0-9]+: .*")).count();
        }
        assertThat(imports).as("imports of %d files by both pipelines", FILES).isEqualTo(FILES);
        assertThat(count(csvDir.resolve(".error"))).isZero();
        // no line logged at ERROR (a WARN may quote PostgreSQL's own "ERROR:", e.g. both creating the schema at once)
        assertThat(log(0) + log(1)).doesNotContain(" ERROR ");
        for (int n = 1; n <= FILES; n++) {
            assertThat(TestServices.column("SELECT count(*) FROM " + schema + ".plik_" + n)).containsExactly("2000");
        }
    }

    private Process start(Path csvDir, String schema, int i) throws Exception {
        return PipelineJar.withEnvironment(ChildProcessEnv.csvImportOnly(csvDir, schema, work.resolve("data-" + i)))
                .jvm("-Xmx256m").start(work.resolve("run-" + i + ".log"));
    }

    private String log(int i) {
        return PipelineJar.output(work.resolve("run-" + i + ".log"));
    }

    private static long count(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.count();
        }
    }
}
