package org.cdcpipeline;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Camel CLI as a user runs it: {@code bin/camel run --max-seconds=..} in the project directory, on the route files
 * and application.properties, with the project's jar from the package phase, against the shared test PostgreSQL.
 */
class CamelCliIT {

    @TempDir
    Path work;

    @Test
    void shouldImportACsvFileWithCamelRun() throws Exception {
        Path csvDir = Files.createDirectories(work.resolve("csv"));
        Files.copy(Samples.path("klienci.csv"), csvDir.resolve("klienci.csv"));
        String schema = "camel_cli_it_" + ProcessHandle.current().pid();

        Path log = work.resolve("camel-run.log");
        // the first run builds the launcher (cli/pom.xml) with Maven
        ProcessBuilder pb = new ProcessBuilder(List.of("bash", "bin/camel", "run", "--max-seconds=25"))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(ChildProcessEnv.csvImportOnly(csvDir, schema, work.resolve("data")));
        Process camel = pb.start();
        try {
            assertThat(camel.waitFor(600, TimeUnit.SECONDS)).as("camel run ends after --max-seconds").isTrue();
        } finally {
            camel.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(camel.exitValue()).as(output).isZero();
        assertThat(output).contains("Additional jars added to classpath: target/cdc-pipeline.jar");
        assertThat(TestServices.column("SELECT count(*) FROM " + schema + ".klienci")).containsExactly("40");
        assertThat(TestServices.column("SELECT nazwa FROM " + schema + ".klienci WHERE id = 1")).containsExactly("Firma X");
        try (var done = Files.list(csvDir.resolve(".done"))) {
            assertThat(done.map(p -> p.getFileName().toString())).singleElement().asString().endsWith("-klienci.csv");
        }
    }
}
