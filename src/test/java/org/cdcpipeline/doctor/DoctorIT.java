package org.cdcpipeline.doctor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.management.ObjectName;

import org.cdcpipeline.Samples;
import org.cdcpipeline.TestPipeline;
import org.cdcpipeline.TestServices;
import org.cdcpipeline.embedded.EmbeddedServices;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.cdcpipeline.TestServices.execute;

/**
 * The doctor against real PostgreSQL, Kafka and S3 servers and a pipeline running in this JVM, whose route MBeans it
 * reads through the pipeline's own JMX server on a loopback port: all OK when healthy, and each failure story of the old
 * troubleshooting guide recognised, with its fix.
 */
class DoctorIT {

    @TempDir
    static Path work;

    private static int jmxPort;

    /** What the doctor printed and its exit code. */
    record Report(int exit, List<String> lines) {

        List<String> withStatus(String status, String component) {
            return lines.stream().filter(l -> l.startsWith(String.format("%-4s %-10s", status, component))).toList();
        }
    }

    @BeforeAll
    static void pickJmxPort() throws IOException {
        jmxPort = TestServices.freePort();
    }

    private static Map<String, String> healthy() {
        Map<String, String> s = new HashMap<>(TestServices.endpoints());
        s.putAll(Map.of("csv.dir", work.resolve("csv").toString(), "csv.schema", "doctor_it",
                "pipeline.data-dir", work.resolve("data").toString(), "cdc.enabled", "true",
                "topic.prefix", "doctorit", "cdc.slot-name", "doctor_it", "cdc.publication-name", "doctor_it",
                "cdc.offset-flush-interval-ms", "200", "archive.enabled", "true", "aggregate.enabled", "true"));
        s.putAll(Map.of("archive.group-id", "doctor-it-archive", "archive.batch-max-age-ms", "1000",
                "aggregate.state-schema", "doctor_it_state", "aggregate.snapshot-prefix", "doctor-it/",
                "aggregate.snapshot-interval-ms", "300", "jmx.enabled", "true", "jmx.port", String.valueOf(jmxPort)));
        return s;
    }

    private static Report doctor(Map<String, String> settings, String component) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int exit = Doctor.run(settings, component, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        // kept in the test's output file, to read when an assertion fails
        System.out.println("doctor --component " + component + " (exit " + exit + ")\n" + String.join("\n", lines));
        return new Report(exit, lines);
    }

    @Test
    void shouldReportEveryCheckOkAgainstAHealthyRunningPipeline() throws Exception {
        Files.createDirectories(work.resolve("csv"));
        for (String sample : new String[] {"klienci.csv", "pracownicy.csv", "projekty.csv"}) {
            Files.copy(Samples.path(sample), work.resolve("csv").resolve(sample));
        }
        try (TestPipeline pipeline = TestPipeline.start(healthy())) {
            Report[] last = new Report[1];
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
                last[0] = doctor(healthy(), "all");
                assertThat(last[0].lines().stream().filter(l -> !l.startsWith("OK ") && !l.startsWith("doctor:")).toList())
                        .as(String.join("\n", last[0].lines())).isEmpty();
                assertThat(last[0].lines()).anyMatch(l -> l.contains("consumer group doctor-it-archive  lag 0"));
            });
            Report report = last[0];
            assertThat(report.exit()).isZero();
            assertThat(report.lines()).contains(
                    "OK   kafka      topic doctorit.doctor_it.klienci  end offset 40, 1 partition(s)",
                    "OK   kafka      topic doctorit.doctor_it.pracownicy  end offset 45, 1 partition(s)",
                    "OK   kafka      topic doctorit.doctor_it.projekty  end offset 28, 1 partition(s)",
                    "OK   postgres   wal_level is logical",
                    "OK   debezium   table doctor_it.klienci REPLICA IDENTITY FULL",
                    "OK   routes     route cdc-capture  Started",
                    "OK   routes     route raw-archive  Started",
                    "OK   routes     route aggregate-klienci-by-country  Started");
            assertThat(report.lines()).anyMatch(l -> l.startsWith("OK   debezium   replication slot doctor_it active, lag "))
                    .anyMatch(l -> l.startsWith("OK   debezium   publication doctor_it holds exactly the captured tables (4,"))
                    .anyMatch(l -> l.matches("OK   debezium   instance cdc-pipeline doctor_it \\S+ from 127\\.0\\.0\\.1 capturing"))
                    .anyMatch(l -> l.startsWith("OK   kafka      consumer group aggregates-klienci aggregate klienci-by-country  lag 0"))
                    .anyMatch(l -> l.startsWith("OK   s3         raw-kafka-data/ "))
                    .anyMatch(l -> l.startsWith("OK   s3         doctor-it/klienci-by-country/current.parquet  "))
                    .anyMatch(l -> l.startsWith("OK   s3         doctor-it/projekty/manifest.json  "));
            assertThat(report.lines().get(report.lines().size() - 1)).matches("doctor: \\d+ checks, \\d+ OK, 0 WARN, 0 FAIL");

            // a route that should run and does not, stopped and started again with the MBean operation the fix names
            ObjectName slotLagRoute = new ObjectName("org.apache.camel:context=cdc-pipeline,type=routes,name=\"cdc-slot-lag\"");
            ManagementFactory.getPlatformMBeanServer().invoke(slotLagRoute, "stop", null, null);
            Report stopped = doctor(healthy(), "routes");
            assertThat(stopped.exit()).isEqualTo(1);
            assertThat(stopped.withStatus("FAIL", "routes")).singleElement().asString()
                    .startsWith("FAIL routes     route cdc-slot-lag is Stopped")
                    .contains("run -b " + slotLagRoute + " start");
            ManagementFactory.getPlatformMBeanServer().invoke(slotLagRoute, "start", null, null);
            assertThat(doctor(healthy(), "routes").exit()).isZero();
        }
    }

    @Test
    void shouldFailKafkaWhenNothingAnswersAtTheBootstrapServers() {
        Map<String, String> settings = healthy();
        settings.put("kafka.bootstrap-servers", "127.0.0.1:" + TestServices.freePort());
        long started = System.nanoTime();
        Report report = doctor(settings, "kafka");
        assertThat(report.exit()).isEqualTo(1);
        assertThat(report.withStatus("FAIL", "kafka")).singleElement().asString()
                .contains("Kafka not reachable at " + settings.get("kafka.bootstrap-servers"))
                .contains("-> fix: start Kafka or correct KAFKA_BOOTSTRAP_SERVERS");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("short client timeouts").isLessThan(Duration.ofSeconds(20));
    }

    @Test
    void shouldTellToStartThePipelineWhenTheEmbeddedServicesDoNotAnswer() {
        Map<String, String> settings = new HashMap<>(Map.of("pipeline.data-dir", work.resolve("stopped").toString(),
                "postgres.host", "", "postgres.port", String.valueOf(TestServices.freePort()),
                "kafka.bootstrap-servers", "", "kafka.embedded.port", String.valueOf(TestServices.freePort()),
                "s3.endpoint", "", "s3.embedded.port", String.valueOf(TestServices.freePort()),
                "jmx.port", String.valueOf(TestServices.freePort())));
        Report report = doctor(settings, "all");
        assertThat(report.exit()).isEqualTo(1);
        for (String component : List.of("postgres", "debezium", "kafka", "s3")) {
            assertThat(report.withStatus("FAIL", component)).as(component).isNotEmpty().allMatch(l -> l.contains(
                    "-> fix: start the pipeline (java -jar target/cdc-pipeline.jar), which runs the embedded services"));
        }
        assertThat(report.withStatus("WARN", "routes")).singleElement().asString()
                .contains("pipeline not running or JMX disabled");
    }

    @Test
    void shouldFailWalLevelReplicaWithTheFix() {
        Map<String, String> server = TestServices.privatePostgres(work.resolve("replica-pg"), "replica-only");
        server.put("postgres.embedded.config-file", "src/test/resources/postgresql-without-logical.conf");
        try (EmbeddedServices replicaOnly = EmbeddedServices.start(k -> server.getOrDefault(k, ""), false)) {
            Map<String, String> settings = healthy();
            settings.putAll(replicaOnly.endpoints());
            Report report = doctor(settings, "postgres");
            assertThat(report.exit()).isEqualTo(1);
            assertThat(report.lines()).anyMatch(l -> l.startsWith("OK   postgres   connected to 127.0.0.1:"));
            assertThat(report.withStatus("FAIL", "postgres")).singleElement().asString()
                    .startsWith("FAIL postgres   wal_level is replica")
                    .contains("-> fix: set wal_level = logical in postgresql.conf and restart PostgreSQL");

            settings.put("cdc.enabled", "false");
            assertThat(doctor(settings, "postgres").exit()).as("CSV import alone needs no logical decoding").isZero();
        }
    }

    @Test
    void shouldRecognisePublicationWithOtherTablesMissingTopicAndReplicaIdentity() throws Exception {
        execute("CREATE SCHEMA doctor_pub", "CREATE SCHEMA doctor_pub_other",
                "CREATE TABLE doctor_pub.zamowienia (id integer PRIMARY KEY, kwota numeric)",
                "INSERT INTO doctor_pub.zamowienia VALUES (1, 10)",
                "CREATE TABLE doctor_pub_other.inna (id integer PRIMARY KEY)",
                "CREATE SCHEMA IF NOT EXISTS pipeline_state",
                "CREATE TABLE IF NOT EXISTS pipeline_state.cdc_signal (id varchar(64) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))",
                "CREATE PUBLICATION doctor_pub FOR TABLE doctor_pub.zamowienia, pipeline_state.cdc_signal, doctor_pub_other.inna");
        Map<String, String> settings = healthy();
        settings.putAll(Map.of("csv.schema", "doctor_pub", "topic.prefix", "doctorpub", "cdc.slot-name", "doctor_pub",
                "cdc.publication-name", "doctor_pub"));

        Report report = doctor(settings, "debezium");
        assertThat(report.exit()).isEqualTo(1);
        assertThat(report.withStatus("FAIL", "debezium"))
                .anyMatch(l -> l.startsWith("FAIL debezium   replication slot doctor_pub does not exist"))
                .anyMatch(l -> l.contains("publication doctor_pub already exists with other tables: doctor_pub_other.inna")
                        && l.contains("ALTER PUBLICATION \"doctor_pub\" DROP TABLE \"doctor_pub_other\".\"inna\""));
        assertThat(report.withStatus("WARN", "debezium")).singleElement().asString()
                .contains("table doctor_pub.zamowienia REPLICA IDENTITY DEFAULT")
                .contains("-> fix: ALTER TABLE \"doctor_pub\".\"zamowienia\" REPLICA IDENTITY FULL");

        Report kafka = doctor(settings, "kafka");
        assertThat(kafka.exit()).isEqualTo(1);
        assertThat(kafka.withStatus("FAIL", "kafka")).singleElement().asString()
                .contains("topic doctorpub.doctor_pub.zamowienia missing")
                .contains("UnknownTopicOrPartition");
    }

    @Test
    void shouldNameEachPrivilegeARoleLacksWithTheStatementThatGrantsIt() throws Exception {
        execute("DROP ROLE IF EXISTS doctor_limited",
                "CREATE ROLE doctor_limited LOGIN PASSWORD 'limited-secret'",
                "CREATE SCHEMA doctor_priv", "CREATE SCHEMA doctor_priv_state",
                "CREATE TABLE doctor_priv.zamowienia (id integer PRIMARY KEY)",
                "CREATE TABLE doctor_priv_state.cdc_signal (id varchar(64) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))",
                "CREATE PUBLICATION doctor_priv FOR TABLE doctor_priv.zamowienia, doctor_priv_state.cdc_signal");
        try {
            Map<String, String> settings = healthy();
            settings.putAll(Map.of("postgres.user", "doctor_limited", "postgres.password", "limited-secret",
                    "csv.schema", "doctor_priv", "aggregate.state-schema", "doctor_priv_state",
                    "cdc.signal-table", "doctor_priv_state.cdc_signal", "cdc.publication-name", "doctor_priv"));
            Report limited = doctor(settings, "postgres");
            assertThat(limited.exit()).isEqualTo(1);
            List<String> fails = limited.withStatus("FAIL", "postgres");
            assertThat(fails).anySatisfy(l -> assertThat(l).contains("role doctor_limited has no REPLICATION attribute")
                            .contains("-> fix: as a superuser: ALTER ROLE \"doctor_limited\" REPLICATION"))
                    .anySatisfy(l -> assertThat(l).contains("role doctor_limited cannot CREATE in database postgres")
                            .contains("capture creates its publication")
                            .contains("-> fix: as a superuser: GRANT CREATE ON DATABASE \"postgres\" TO \"doctor_limited\""))
                    .anySatisfy(l -> assertThat(l).contains("role doctor_limited lacks USAGE and CREATE on schema doctor_priv: "
                            + "the CSV import creates its tables there"))
                    .anySatisfy(l -> assertThat(l).contains("lacks USAGE and CREATE on schema doctor_priv_state: "
                            + "the aggregates keep their state there, capture's signal table is there"))
                    .anySatisfy(l -> assertThat(l).contains("role doctor_limited does not own publication doctor_priv (postgres does)")
                            .contains("ALTER PUBLICATION \"doctor_priv\" OWNER TO \"doctor_limited\""))
                    .anySatisfy(l -> assertThat(l).contains("does not own the captured table(s) doctor_priv.zamowienia, "
                            + "doctor_priv_state.cdc_signal"));
            assertThat(limited.lines()).noneMatch(l -> l.contains("has the privileges the pipeline needs"));
            // as the line says: PostgreSQL checks CREATE on the database before it looks whether the schema exists
            try (Connection c = DriverManager.getConnection(TestServices.jdbcUrl(), "doctor_limited", "limited-secret");
                 Statement st = c.createStatement()) {
                assertThatThrownBy(() -> st.execute("CREATE SCHEMA IF NOT EXISTS doctor_priv"))
                        .hasMessageContaining("permission denied for database postgres");
            }

            // each fix, run as printed and in the order printed, grants what was missing (a new owner needs CREATE on
            // the database and schema, which the fixes before it grant)
            for (String fail : fails) {
                String fix = fail.substring(fail.indexOf("-> fix: as a superuser: ") + "-> fix: as a superuser: ".length())
                        .replace(" (or leave them out of cdc.tables)", "");
                execute(fix.split("; "));
            }
            Report granted = doctor(settings, "postgres");
            assertThat(granted.withStatus("FAIL", "postgres")).isEmpty();
            assertThat(granted.lines()).contains("OK   postgres   role doctor_limited has the privileges the pipeline needs");
        } finally {
            execute("DROP PUBLICATION IF EXISTS doctor_priv", "DROP SCHEMA IF EXISTS doctor_priv, doctor_priv_state CASCADE",
                    "DROP OWNED BY doctor_limited", "DROP ROLE doctor_limited");
        }
    }

    @Test
    void shouldNameTheFixForAMissingBucketAndRefusedCredentials() {
        Map<String, String> settings = healthy();
        settings.put("s3.bucket", "doctor-no-such-bucket");
        Report bucket = doctor(settings, "s3");
        assertThat(bucket.exit()).isEqualTo(1);
        assertThat(bucket.withStatus("FAIL", "s3")).singleElement().asString()
                .contains("bucket doctor-no-such-bucket does not exist at " + settings.get("s3.endpoint") + " (NoSuchBucket)")
                .contains("-> fix: create it (s3cmd mb s3://doctor-no-such-bucket");

        Map<String, String> keys = healthy();
        keys.put("s3.secret-key", "wrong-secret");
        assertThat(doctor(keys, "s3").withStatus("FAIL", "s3")).singleElement().asString()
                .contains("refused the credentials for bucket processed-data")
                .contains("S3_SECRET_KEY");

        Map<String, String> password = healthy();
        password.put("postgres.password", "wrong-password");
        assertThat(doctor(password, "postgres").withStatus("FAIL", "postgres")).singleElement().asString()
                .contains("refused user 'postgres' (SQLState 28P01")
                .contains("-> fix: set POSTGRES_USER and POSTGRES_PASSWORD");
    }
}
