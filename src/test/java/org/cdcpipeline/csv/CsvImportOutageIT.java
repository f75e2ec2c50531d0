package org.cdcpipeline.csv;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

import org.cdcpipeline.TcpProxy;
import org.cdcpipeline.TestPipeline;
import org.cdcpipeline.TestServices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** PostgreSQL unreachable: the file waits in place, is retried with backoff, and is imported once it is back. */
class CsvImportOutageIT {

    @TempDir
    Path csvDir;

    @Test
    void shouldKeepTheFileAndImportItWhenPostgresComesBack() throws Exception {
        String schema = "csv_outage_" + ProcessHandle.current().pid();
        int pgPort = Integer.parseInt(TestServices.endpoints().get("postgres.port"));
        try (TcpProxy proxy = new TcpProxy(pgPort)) {
            // the pipeline starts while PostgreSQL is unreachable
            try (TestPipeline pipeline = TestPipeline.start(Map.of(
                    "csv.dir", csvDir.toString(), "csv.schema", schema, "postgres.port", String.valueOf(proxy.port()),
                    "postgres.connection-timeout-ms", "500", "csv.retry.max-redeliveries", "2",
                    "csv.retry.initial-delay-ms", "200", "csv.retry.max-delay-ms", "1000"))) {
                CsvFolder folder = new CsvFolder(csvDir);
                folder.dropSample("klienci.csv");

                // several attempts fail meanwhile: the file stays where it is, nothing is imported or moved
                await().pollDelay(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(10)).until(() -> true);
                assertThat(csvDir.resolve("klienci.csv")).exists();
                assertThat(csvDir.resolve(".done")).doesNotExist();
                assertThat(csvDir.resolve(".error")).doesNotExist();

                proxy.up();
                assertThat(folder.awaitProcessed("klienci.csv")).isEqualTo(".done");
                try (Connection c = TestServices.connect(); Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("SELECT count(*) FROM " + schema + ".klienci")) {
                    rs.next();
                    assertThat(rs.getInt(1)).isEqualTo(40);
                }
                assertThat(Files.exists(csvDir.resolve("klienci.rejects.csv"))).isFalse();
            }
        }
    }
}
