package org.cdcpipeline.csv;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.cdcpipeline.ChildProcessEnv;
import org.cdcpipeline.PipelineJar;
import org.cdcpipeline.TestPipeline;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.cdcpipeline.TestServices.column;
import static org.cdcpipeline.TestServices.execute;

/**
 * A file names its table, so the import writes only into tables it created itself, tables with a schema file, and
 * tables csv.allowed-tables names: a file named after another application's table is refused.
 */
class CsvImportTargetsIT {

    private static final long PID = ProcessHandle.current().pid();

    @TempDir
    Path work;

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stopProcesses() throws Exception {
        for (Process p : processes) {
            PipelineJar.stop(p);
        }
    }

    @Test
    void shouldRefuseAFileNamedAfterAnApplicationTableAndImportItOnceTheSettingAllowsIt() throws Exception {
        String schema = "csv_targets_app_" + PID;
        execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE", "CREATE SCHEMA " + schema,
                "CREATE TABLE " + schema + ".users (id integer PRIMARY KEY, role text NOT NULL)",
                "INSERT INTO " + schema + ".users VALUES (1, 'viewer'), (2, 'viewer')");
        Path csvDir = Files.createDirectories(work.resolve("csv"));
        CsvFolder folder = new CsvFolder(csvDir);

        Process p = start(csvDir, schema, Map.of(), "default");
        folder.drop("users.csv", "id,role\n1,admin\n3,admin\n");
        assertThat(folder.awaitProcessed("users.csv")).isEqualTo(".error");
        assertThat(users(schema)).containsExactly("1=viewer", "2=viewer");
        assertThat(PipelineJar.output(log("default")).lines().filter(l -> l.contains("Refused users.csv")).toList()).singleElement()
                .asString().contains(" ERROR ", "table " + schema + ".users exists, but the CSV import did not create it",
                        "has no schema file", "add users to the setting csv.allowed-tables",
                        "environment variable CSV_ALLOWED_TABLES");
        PipelineJar.stop(p);

        // the operator allows the table and moves the refused file back
        start(csvDir, schema, Map.of("csv.allowed-tables", "klienci, users"), "allowed");
        Path refused;
        try (Stream<Path> files = Files.list(csvDir.resolve(".error"))) {
            refused = files.filter(f -> f.getFileName().toString().endsWith("-users.csv")).findFirst().orElseThrow();
        }
        Files.move(refused, csvDir.resolve("users.csv"), StandardCopyOption.ATOMIC_MOVE);
        assertThat(folder.awaitProcessed("users.csv")).isEqualTo(".done");
        assertThat(users(schema)).containsExactly("1=admin", "2=viewer", "3=admin");
    }

    @Test
    void shouldKeepImportingIntoATableItCreatedAcrossARestart() throws Exception {
        String schema = "csv_targets_own_" + PID;
        execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        Path csvDir = Files.createDirectories(work.resolve("csv"));
        CsvFolder folder = new CsvFolder(csvDir);
        Map<String, String> settings = Map.of("csv.dir", csvDir.toString(), "csv.schema", schema);
        try (TestPipeline pipeline = TestPipeline.start(settings)) {
            folder.drop("magazyny.csv", "id,miasto\n1,Gdańsk\n2,Kraków\n");
            assertThat(folder.awaitProcessed("magazyny.csv")).isEqualTo(".done");
            folder.drop("magazyny.csv", "id,miasto\n2,Wrocław\n");
            await().atMost(Duration.ofSeconds(60)).until(() -> filesIn(csvDir.resolve(".done")) == 2);
        }
        try (TestPipeline pipeline = TestPipeline.start(settings)) {
            folder.drop("magazyny.csv", "id,miasto\n2,Poznań\n3,Łódź\n");
            await().atMost(Duration.ofSeconds(60)).until(() -> filesIn(csvDir.resolve(".done")) == 3);
        }
        assertThat(filesIn(csvDir.resolve(".error"))).isZero();
        assertThat(column("SELECT id || '=' || miasto FROM " + schema + ".magazyny ORDER BY id"))
                .containsExactly("1=Gdańsk", "2=Poznań", "3=Łódź");
        assertThat(column("SELECT origin FROM pipeline_state.csv_tables WHERE table_schema = '" + schema
                + "' AND table_name = 'magazyny'")).containsExactly("created");
    }

    @Test
    void shouldImportIntoAnExistingTableThatHasASchemaFile() throws Exception {
        String schema = "csv_targets_declared_" + PID;
        execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE", "CREATE SCHEMA " + schema,
                "CREATE TABLE " + schema + ".sklady (id integer PRIMARY KEY, nazwa text NOT NULL)",
                "INSERT INTO " + schema + ".sklady VALUES (1, 'stary')");
        Path schemaDir = Files.createDirectories(work.resolve("schema"));
        Files.writeString(schemaDir.resolve("sklady.sql"),
                "CREATE TABLE IF NOT EXISTS sklady (id integer PRIMARY KEY, nazwa text NOT NULL);\n", StandardCharsets.UTF_8);
        Path csvDir = Files.createDirectories(work.resolve("csv"));
        CsvFolder folder = new CsvFolder(csvDir);
        try (TestPipeline pipeline = TestPipeline.start(Map.of("csv.dir", csvDir.toString(), "csv.schema", schema,
                "csv.schema-dir", schemaDir.toString()))) {
            folder.drop("sklady.csv", "id,nazwa\n1,nowy\n2,drugi\n");
            assertThat(folder.awaitProcessed("sklady.csv")).isEqualTo(".done");
        }
        assertThat(column("SELECT id || '=' || nazwa FROM " + schema + ".sklady ORDER BY id"))
                .containsExactly("1=nowy", "2=drugi");
        assertThat(column("SELECT count(*) FROM pipeline_state.csv_tables WHERE table_schema = '" + schema + "'"))
                .as("imported for its schema file, not as a table the import created").containsExactly("0");
    }

    @Test
    void shouldKeepImportingIntoTheTablesAnEarlierVersionCreatedButNotIntoOtherCapturedTables() throws Exception {
        String schema = "csv_targets_upgrade_" + PID;
        String state = schema + "_state";
        String publication = schema + "_pub";
        execute("DROP PUBLICATION IF EXISTS " + publication, "DROP SCHEMA IF EXISTS " + schema + " CASCADE",
                "DROP SCHEMA IF EXISTS " + state + " CASCADE", "CREATE SCHEMA " + schema,
                // as an earlier version created a table from dostawcy.csv and captured it, with the application's users
                "CREATE TABLE " + schema + ".dostawcy (id bigint PRIMARY KEY, nazwa text)",
                "ALTER TABLE " + schema + ".dostawcy REPLICA IDENTITY FULL",
                "INSERT INTO " + schema + ".dostawcy VALUES (1, 'stary')",
                "CREATE TABLE " + schema + ".users (id integer PRIMARY KEY, role text NOT NULL)",
                "INSERT INTO " + schema + ".users VALUES (1, 'viewer')",
                "CREATE PUBLICATION " + publication + " FOR TABLE " + schema + ".dostawcy, " + schema + ".users");
        try {
            Path csvDir = Files.createDirectories(work.resolve("csv"));
            CsvFolder folder = new CsvFolder(csvDir);
            Map<String, String> settings = Map.of("csv.dir", csvDir.toString(), "csv.schema", schema,
                    "csv.registry-table", state + ".csv_tables", "cdc.publication-name", publication);
            try (TestPipeline pipeline = TestPipeline.start(settings)) {
                folder.drop("dostawcy.csv", "id,nazwa\n1,nowy\n2,drugi\n");
                assertThat(folder.awaitProcessed("dostawcy.csv")).isEqualTo(".done");
                folder.drop("users.csv", "id,role\n1,admin\n");
                assertThat(folder.awaitProcessed("users.csv")).isEqualTo(".error");
            }
            assertThat(column("SELECT id || '=' || nazwa FROM " + schema + ".dostawcy ORDER BY id"))
                    .containsExactly("1=nowy", "2=drugi");
            assertThat(column("SELECT id || '=' || role FROM " + schema + ".users")).containsExactly("1=viewer");
            assertThat(column("SELECT table_name || '=' || origin FROM " + state + ".csv_tables WHERE table_schema = '"
                    + schema + "' ORDER BY table_name")).contains("dostawcy=adopted").doesNotContain("users=adopted");

            // adopting happens once, when the registry is created: a table that looks alike later is not taken over
            execute("CREATE TABLE " + schema + ".konta (id bigint PRIMARY KEY, nazwa text)",
                    "ALTER TABLE " + schema + ".konta REPLICA IDENTITY FULL",
                    "ALTER PUBLICATION " + publication + " ADD TABLE " + schema + ".konta");
            try (TestPipeline pipeline = TestPipeline.start(settings)) {
                folder.drop("konta.csv", "id,nazwa\n1,x\n");
                assertThat(folder.awaitProcessed("konta.csv")).isEqualTo(".error");
            }
            assertThat(column("SELECT count(*) FROM " + schema + ".konta")).containsExactly("0");
        } finally {
            execute("DROP PUBLICATION IF EXISTS " + publication);
        }
    }

    private Process start(Path csvDir, String schema, Map<String, String> settings, String name) throws Exception {
        Map<String, String> env = new HashMap<>(ChildProcessEnv.csvImportOnly(csvDir, schema, work.resolve("data")));
        env.putAll(ChildProcessEnv.of(settings));
        Process p = PipelineJar.withEnvironment(env).jvm("-Xmx256m").start(log(name));
        processes.add(p);
        PipelineJar.awaitRunning(p, log(name), Duration.ofSeconds(120));
        return p;
    }

    private Path log(String name) {
        return work.resolve(name + ".log");
    }

    private static List<String> users(String schema) throws Exception {
        return column("SELECT id || '=' || role FROM " + schema + ".users ORDER BY id");
    }

    private static long filesIn(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.count();
        }
    }
}
