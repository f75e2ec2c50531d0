package org.cdcpipeline;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code java -jar target/cdc-pipeline.jar --dev} in a copy of the project directory: a route file edited while the
 * pipeline runs changes what it does, without a restart.
 */
class DevModeIT {

    @TempDir
    Path project;

    @Test
    void shouldApplyAnEditedRouteFileWhileRunning() throws Exception {
        copyTree(Path.of("routes"), project.resolve("routes"));
        copyTree(Path.of("schema"), project.resolve("schema"));
        Files.copy(Path.of("application.properties"), project.resolve("application.properties"));
        Path csvDir = Files.createDirectories(project.resolve("csv"));
        String schema = "dev_mode_it_" + ProcessHandle.current().pid();

        Process pipeline = PipelineJar.withEnvironment(ChildProcessEnv.csvImportOnly(csvDir, schema, project.resolve("data")))
                .jvm("-Xmx384m").in(project).start(project.resolve("run.log"), "--dev");
        try {
            Files.copy(Samples.path("klienci.csv"), csvDir.resolve("klienci.csv"));
            await().atMost(Duration.ofSeconds(120)).until(() -> listing(csvDir.resolve(".done")).size() == 1);

            // imported files now go to .imported instead of .done
            Path route = project.resolve("routes/csv-import.camel.yaml");
            String before = Files.readString(route, StandardCharsets.UTF_8);
            String edited = before.replace("constant: .done", "constant: .imported");
            assertThat(edited).isNotEqualTo(before);
            Files.writeString(route, edited, StandardCharsets.UTF_8);
            await().atMost(Duration.ofSeconds(60)).until(() -> log().contains("Routes reloaded"));

            Files.copy(Samples.path("pracownicy.csv"), csvDir.resolve("pracownicy.csv"));
            await().atMost(Duration.ofSeconds(60)).until(() -> listing(csvDir.resolve(".imported")).size() == 1);
            assertThat(listing(csvDir.resolve(".imported")).get(0)).endsWith("-pracownicy.csv");
            assertThat(listing(csvDir.resolve(".done"))).singleElement().asString().endsWith("-klienci.csv");
            assertThat(TestServices.column("SELECT count(*) FROM " + schema + ".pracownicy")).doesNotContain("0");
        } finally {
            PipelineJar.stop(pipeline);
        }
    }

    private String log() {
        return PipelineJar.output(project.resolve("run.log"));
    }

    private static List<String> listing(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var files = Files.list(dir)) {
            return new ArrayList<>(files.map(p -> p.getFileName().toString()).toList());
        }
    }

    private static void copyTree(Path from, Path to) throws Exception {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }
}
