package org.cdcpipeline;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.avro.generic.GenericRecord;
import org.cdcpipeline.doctor.Doctor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.cdcpipeline.TestServices.execute;

/**
 * The pipeline as docker-compose runs it in PostgreSQL: connected as the role deploy/postgres/pipeline-role.sql
 * creates, no superuser, it imports a CSV file, captures its rows and applies an aggregate, and the doctor finds every
 * privilege it needs.
 */
class LeastPrivilegeIT {

    private static final String ROLE = "least_priv_pipeline";
    private static final String PASSWORD = "least-priv-secret";
    private static final String SCHEMA = "least_priv";
    private static final String STATE = "least_priv_state";
    private static final String PREFIX = "least-priv/";

    @TempDir
    static Path work;

    private static Map<String, String> settings() {
        Map<String, String> s = new HashMap<>(Map.of("postgres.user", ROLE, "postgres.password", PASSWORD,
                "csv.dir", work.resolve("csv").toString(), "csv.schema", SCHEMA,
                "pipeline.data-dir", work.resolve("data").toString(), "cdc.enabled", "true",
                "topic.prefix", "leastpriv", "cdc.slot-name", SCHEMA, "cdc.publication-name", SCHEMA,
                "cdc.signal-table", STATE + ".cdc_signal"));
        s.putAll(Map.of("aggregate.enabled", "true", "aggregate.state-schema", STATE, "aggregate.snapshot-prefix", PREFIX,
                "aggregate.snapshot-interval-ms", "300", "cdc.offset-flush-interval-ms", "200"));
        return s;
    }

    /** The compose role's SQL as psql runs it, with the variables pipeline-role.sh passes set to this test's role. */
    private static String[] composeRoleStatements() throws Exception {
        String sql = String.join("\n", Files.readAllLines(Path.of("deploy/postgres/pipeline-role.sql")).stream()
                .filter(l -> !l.startsWith("--") && !l.startsWith("\\getenv ")).toList())
                .replace(":\"role\"", "\"" + ROLE + "\"").replace(":'password'", "'" + PASSWORD + "'")
                .replace(":\"DBNAME\"", "\"postgres\"");
        assertThat(sql).as("every psql variable set").doesNotContain(":\"").doesNotContain(":'");
        return Arrays.stream(sql.split(";")).map(String::strip).filter(s -> !s.isEmpty()).toArray(String[]::new);
    }

    @Test
    void shouldImportCaptureAndAggregateAsTheComposeRole() throws Exception {
        execute(composeRoleStatements());
        assertThat(TestServices.column("SELECT rolsuper::text || rolreplication::text || rolcreatedb::text || rolcreaterole::text "
                + "FROM pg_roles WHERE rolname = '" + ROLE + "'")).containsExactly("falsetruefalsefalse");
        Files.createDirectories(work.resolve("csv"));
        try (TestPipeline pipeline = TestPipeline.start(settings())) {
            Files.copy(Samples.path("klienci.csv"), work.resolve("csv").resolve("klienci.csv"));
            assertThat(TopicReader.read("leastpriv." + SCHEMA + ".klienci", 40)).hasSize(40);
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                List<GenericRecord> groups = S3Objects.parquetRows(PREFIX + "klienci-by-country/current.parquet");
                assertThat(groups.stream().mapToLong(g -> (Long) g.get("__rows")).sum()).isEqualTo(40);
            });
            assertThat(TestServices.column("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname IN ('"
                    + SCHEMA + "', '" + STATE + "')")).containsExactly(ROLE);

            Map<String, String> doctorSettings = new HashMap<>(TestServices.endpoints());
            doctorSettings.putAll(settings());
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            Doctor.run(doctorSettings, "postgres", new PrintStream(bytes, true, StandardCharsets.UTF_8));
            assertThat(bytes.toString(StandardCharsets.UTF_8).lines())
                    .contains("OK   postgres   role " + ROLE + " has the privileges the pipeline needs")
                    .noneMatch(l -> l.startsWith("FAIL") || l.startsWith("WARN"));
        }
    }

    @AfterAll
    static void dropRole() throws Exception {
        execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + SCHEMA + "'",
                "DROP PUBLICATION IF EXISTS " + SCHEMA, "DROP SCHEMA IF EXISTS " + SCHEMA + ", " + STATE + " CASCADE",
                "DROP OWNED BY " + ROLE, "DROP ROLE " + ROLE);
    }
}
