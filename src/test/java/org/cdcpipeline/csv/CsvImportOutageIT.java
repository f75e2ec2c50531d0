package org.cdcpipeline.csv;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

import org.cdcpipeline.TcpProxy;
import org.cdcpipeline.TestPipeline;
import org.cdcpipeline.TestServices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cdcpipeline.TestServices.execute;
import static org.awaitility.Awaitility.await;

/** PostgreSQL unreachable or failing: the file waits in place, is retried with backoff, and nothing is lost. */
class CsvImportOutageIT {

    @TempDir
    Path csvDir;

    @Test
    void shouldKeepTheFileAndImportItWhenPostgresComesBack() throws Exception {
        String schema = "csv_outage";
        int pgPort = Integer.parseInt(TestServices.endpoints().get("postgres.port"));
        try (TcpProxy proxy = new TcpProxy(pgPort)) {
            // the pipeline starts while PostgreSQL is unreachable
            try (TestPipeline pipeline = TestPipeline.start(fastRetries(schema, Map.of(
                    "postgres.port", String.valueOf(proxy.port()))))) {
                CsvFolder folder = new CsvFolder(csvDir);
                folder.dropSample("klienci.csv");

                // several attempts fail meanwhile: for 6 s (Awaitility during, an observation window) the file waits
                // in .inprogress, nothing is imported or moved on
                awaitInProgress();
                await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(10)).until(() ->
                        Files.exists(csvDir.resolve(".inprogress/klienci.csv")) && !Files.exists(csvDir.resolve(".done"))
                                && !Files.exists(csvDir.resolve(".error")));

                proxy.up();
                assertThat(folder.awaitProcessed("klienci.csv")).isEqualTo(".done");
                assertThat(count("SELECT count(*) FROM " + schema + ".klienci")).isEqualTo(40);
                assertThat(folder.rejectsFiles("klienci")).isEmpty();
            }
        }
    }

    @Test
    void shouldImportAFileThatWaitedForPostgresBeforeANewerFileOfTheSameName() throws Exception {
        String schema = "csv_outage_order";
        int pgPort = Integer.parseInt(TestServices.endpoints().get("postgres.port"));
        try (TcpProxy proxy = new TcpProxy(pgPort);
             TestPipeline pipeline = TestPipeline.start(fastRetries(schema, Map.of(
                     "postgres.port", String.valueOf(proxy.port()))))) {
            CsvFolder folder = new CsvFolder(csvDir);
            folder.drop("klienci.csv", "id,nazwa\n1,stary\n2,stary\n3,stary\n");
            // its attempts fail while PostgreSQL is away (observed for 4 s: it stays in .inprogress); then a newer
            // klienci.csv arrives, which waits for the older (observed for 2 s)
            awaitInProgress();
            await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(10))
                    .until(() -> Files.exists(csvDir.resolve(".inprogress/klienci.csv")));
            folder.drop("klienci.csv", "id,nazwa\n2,nowy\n3,nowy\n4,nowy\n");
            await("the newer file waits for the older").during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
                    .until(() -> Files.exists(csvDir.resolve("klienci.csv")));

            proxy.up();
            await().atMost(Duration.ofSeconds(60)).until(() -> !Files.exists(csvDir.resolve("klienci.csv"))
                    && filesIn(csvDir.resolve(".done")) == 2);
            assertThat(TestServices.column("SELECT id || '=' || nazwa FROM " + schema + ".klienci ORDER BY id"))
                    .containsExactly("1=stary", "2=nowy", "3=nowy", "4=nowy");
            assertThat(csvDir.resolve(".inprogress")).isEmptyDirectory();
        }
    }

    @Test
    void shouldKeepTheFileWhenPostgresFailsMidFileAndImportAllOfItLater() throws Exception {
        String schema = "csv_midfile";
        execute("CREATE SCHEMA " + schema,
                "CREATE TABLE " + schema + ".klienci (id integer PRIMARY KEY, nazwa text, email text, kraj text, telefon text)",
                "CREATE FUNCTION " + schema + ".connection_lost() RETURNS trigger LANGUAGE plpgsql AS "
                        + "$$ BEGIN RAISE EXCEPTION 'connection lost' USING ERRCODE = '08006'; END $$",
                "CREATE TRIGGER lose_connection BEFORE INSERT ON " + schema + ".klienci FOR EACH ROW WHEN (NEW.id = 30) "
                        + "EXECUTE FUNCTION " + schema + ".connection_lost()");
        try (TestPipeline pipeline = TestPipeline.start(fastRetries(schema, Map.of()))) {
            CsvFolder folder = new CsvFolder(csvDir);
            folder.dropSample("klienci.csv");
            await().atMost(Duration.ofSeconds(30)).until(() -> count("SELECT count(*) FROM " + schema + ".klienci") > 0);
            // retries fail at row 30: for 5 s (Awaitility during, an observation window) the file waits for
            // PostgreSQL in .inprogress, with the rows before the failing batch imported and no more
            await("the file waits for PostgreSQL").during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(10))
                    .until(() -> Files.exists(csvDir.resolve(".inprogress/klienci.csv"))
                            && count("SELECT count(*) FROM " + schema + ".klienci") < 40);

            execute("DROP TRIGGER lose_connection ON " + schema + ".klienci");
            assertThat(folder.awaitProcessed("klienci.csv")).isEqualTo(".done");
            assertThat(count("SELECT count(*) FROM " + schema + ".klienci")).isEqualTo(40);
        }
    }

    @Test
    void shouldMoveTheFileToTheErrorFolderWhenRetryingCannotHelp() throws Exception {
        String schema = "csv_failing";
        execute("CREATE SCHEMA " + schema,
                "CREATE TABLE " + schema + ".klienci (id integer PRIMARY KEY, nazwa text, email text, kraj text, telefon text)",
                "CREATE FUNCTION " + schema + ".refuse() RETURNS trigger LANGUAGE plpgsql AS "
                        + "$$ BEGIN RAISE EXCEPTION 'imports are closed'; END $$",
                "CREATE TRIGGER refuse BEFORE INSERT ON " + schema + ".klienci FOR EACH STATEMENT "
                        + "EXECUTE FUNCTION " + schema + ".refuse()");
        try (TestPipeline pipeline = TestPipeline.start(fastRetries(schema, Map.of()))) {
            CsvFolder folder = new CsvFolder(csvDir);
            folder.dropSample("klienci.csv");
            assertThat(folder.awaitProcessed("klienci.csv")).isEqualTo(".error");
            assertThat(count("SELECT count(*) FROM " + schema + ".klienci")).isZero();
        }
    }

    /** Waits until the import has taken the file (and so tries to reach PostgreSQL). */
    private void awaitInProgress() {
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(csvDir.resolve(".inprogress/klienci.csv")));
    }

    private Map<String, String> fastRetries(String schema, Map<String, String> more) {
        Map<String, String> p = new HashMap<>(Map.of("csv.dir", csvDir.toString(), "csv.schema", schema,
                "csv.batch-size", "7", "postgres.connection-timeout-ms", "500", "csv.retry.max-redeliveries", "2",
                "csv.retry.initial-delay-ms", "200", "csv.retry.max-delay-ms", "1000"));
        p.putAll(more);
        return p;
    }


    private static long filesIn(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.count();
        }
    }

    private static int count(String sql) throws SQLException {
        try (Connection c = TestServices.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
