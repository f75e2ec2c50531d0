package org.cdcpipeline.csv;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.cdcpipeline.ChildProcessEnv;
import org.cdcpipeline.TestPipeline;
import org.cdcpipeline.TestServices;
import org.cdcpipeline.PipelineJar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Files of one name that follow each other: each is imported, in the order they came, so the later file's values win;
 * none is moved away unread because another took its name.
 */
class CsvSameNameIT {

    /** Enough rows for the import to be under way for a while, in batches of {@link #BATCH} rows. */
    private static final int ROWS = 250_000;
    private static final String BATCH = "1000";
    private static final String HEADER = "id,nazwa,email,kraj,telefon\n";

    @TempDir
    Path work;

    @Test
    void shouldImportAFileRenamedOverOneBeingImportedAfterIt() throws Exception {
        Path csvDir = Files.createDirectories(work.resolve("csv"));
        String schema = "csv_renamed_" + ProcessHandle.current().pid();
        try (TestPipeline pipeline = TestPipeline.start(Map.of("csv.dir", csvDir.toString(), "csv.schema", schema,
                "csv.batch-size", BATCH))) {
            CsvFolder folder = new CsvFolder(csvDir);
            folder.drop("klienci.csv", rows("pierwszy", 1, ROWS));
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                    .until(() -> count(schema, "true") > 0);

            // mv .klienci.csv.tmp klienci.csv while the first klienci.csv is being imported
            folder.drop("klienci.csv", rows("drugi", 1, 1000, ROWS - 499, ROWS + 500));
            assertThat(count(schema, "true")).as("rows of the first file when the second was renamed over it")
                    .isLessThan(ROWS);

            await().atMost(Duration.ofSeconds(180)).until(() -> listing(csvDir.resolve(".done")).size() == 2
                    && !Files.exists(csvDir.resolve("klienci.csv")));
            assertThat(count(schema, "true")).isEqualTo(ROWS + 500);
            assertThat(count(schema, "nazwa = 'drugi'")).isEqualTo(2000);
            assertThat(count(schema, "nazwa = 'drugi' AND (id <= 1000 OR id > " + (ROWS - 500) + ")")).isEqualTo(2000);
            assertThat(count(schema, "nazwa = 'pierwszy'")).isEqualTo(ROWS - 1500);
            assertThat(listing(csvDir.resolve(".done"))).allMatch(f -> f.endsWith("-klienci.csv"));
            assertThat(listing(csvDir.resolve(CsvReadLock.IN_PROGRESS))).isEmpty();
            assertThat(csvDir.resolve(".error")).doesNotExist();
        }
    }

    @Test
    void shouldImportAgainAFileLeftInProgressByAKill9BeforeANewerFileOfTheSameName() throws Exception {
        Path csvDir = Files.createDirectories(work.resolve("csv"));
        String schema = "csv_killed_" + ProcessHandle.current().pid();
        Process killed = startProcess(csvDir, schema);
        try {
            new CsvFolder(csvDir).drop("klienci.csv", rows("przerwany", 1, ROWS));
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20))
                    .until(() -> tableExists(schema) && count(schema, "true") > 0);
        } finally {
            killed.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(count(schema, "true")).as("rows imported before kill -9").isLessThan(ROWS);
        assertThat(csvDir.resolve(CsvReadLock.IN_PROGRESS).resolve("klienci.csv")).exists();

        // a newer file of the same name arrives while no pipeline runs
        new CsvFolder(csvDir).drop("klienci.csv", rows("nowszy", ROWS - 999, ROWS + 1000));
        try (TestPipeline pipeline = TestPipeline.start(Map.of("csv.dir", csvDir.toString(), "csv.schema", schema,
                "csv.batch-size", BATCH))) {
            await().atMost(Duration.ofSeconds(180)).until(() -> listing(csvDir.resolve(".done")).size() == 2);
        }
        assertThat(count(schema, "true")).isEqualTo(ROWS + 1000);
        assertThat(count(schema, "nazwa = 'nowszy'")).isEqualTo(2000);
        assertThat(count(schema, "nazwa = 'przerwany'")).isEqualTo(ROWS - 1000);
        assertThat(listing(csvDir.resolve(CsvReadLock.IN_PROGRESS))).isEmpty();
        assertThat(csvDir.resolve(".error")).doesNotExist();
    }

    /** A CSV file of the klienci shape with the rows of each range {@code from, to, ...}, all named {@code nazwa}. */
    private static String rows(String nazwa, int... ranges) {
        StringBuilder csv = new StringBuilder(HEADER);
        for (int r = 0; r < ranges.length; r += 2) {
            for (int id = ranges[r]; id <= ranges[r + 1]; id++) {
                csv.append(id).append(',').append(nazwa).append(",k").append(id).append("@example.pl,Polska,+48 ")
                        .append(id).append('\n');
            }
        }
        return csv.toString();
    }

    private Process startProcess(Path csvDir, String schema) throws Exception {
        Map<String, String> env = ChildProcessEnv.csvImportOnly(csvDir, schema, work.resolve("data"));
        env.put("CSV_BATCH_SIZE", BATCH);
        return PipelineJar.withEnvironment(env).jvm("-Xmx256m").start(work.resolve("killed.log"));
    }

    private static boolean tableExists(String schema) throws Exception {
        return !TestServices.column("SELECT coalesce(to_regclass('" + schema + ".klienci')::text, '')").get(0).isEmpty();
    }

    private static long count(String schema, String where) throws Exception {
        return Long.parseLong(TestServices.column("SELECT count(*) FROM " + schema + ".klienci WHERE " + where).get(0));
    }

    private static List<String> listing(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).filter(f -> !f.startsWith(".")).sorted().toList();
        }
    }
}
