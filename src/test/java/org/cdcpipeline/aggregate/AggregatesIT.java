package org.cdcpipeline.aggregate;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.cdcpipeline.CapturedSchema;
import org.cdcpipeline.Samples;
import org.cdcpipeline.TestPipeline;
import org.cdcpipeline.TestServices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.apache.avro.generic.GenericRecord;
import org.cdcpipeline.S3Objects;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.cdcpipeline.TestServices.execute;

/**
 * The shipped aggregates on their real YAML routes, real PostgreSQL and Kafka: at every quiet moment each one equals
 * the GROUP BY over its source table, through inserts, updates of values and of groups, deletes, restarts and replays.
 * Each test imports into a schema of its own, with its own state schema, slot, topics and snapshot prefix in the bucket:
 * no test depends on another.
 */
class AggregatesIT {

    private static final List<String> SAMPLES = List.of("klienci.csv", "pracownicy.csv", "projekty.csv");

    @TempDir
    Path work;

    /** One test's own captured schema, with its own aggregate state schema and snapshot prefix in the bucket. */
    private record Source(CapturedSchema captured) {

        static Source named(String name, Path work) {
            return new Source(new CapturedSchema("agg_it_" + name, work));
        }

        String schema() {
            return captured.name();
        }

        Path work() {
            return captured.work();
        }

        /** Where this test's aggregates write their snapshots in the shared bucket. */
        String prefix() {
            return captured.topicPrefix() + "/";
        }

        Map<String, String> settings() {
            Map<String, String> s = captured.settings();
            s.put("aggregate.enabled", "true");
            s.put("aggregate.state-schema", schema() + "_state");
            s.put("aggregate.snapshot-prefix", prefix());
            s.put("aggregate.snapshot-interval-ms", "300");
            s.put("camel.main.routes-include-pattern",
                    "file:routes/*.camel.yaml,file:" + work().resolve("extra").toAbsolutePath() + "/*.camel.yaml");
            return s;
        }

        TestPipeline start() {
            return TestPipeline.start(settings());
        }

        /** Drops these sample files into the CSV folder; the pipeline imports them once it runs. */
        void drop(List<String> samples) throws Exception {
            Files.createDirectories(work().resolve("csv"));
            Files.createDirectories(work().resolve("extra"));
            for (String sample : samples) {
                Files.copy(Samples.path(sample), work().resolve("csv").resolve(sample));
            }
        }

        /** Waits until every row of the three samples is imported. */
        void awaitSamplesImported() {
            await().atMost(Duration.ofSeconds(60)).until(() -> TestServices.column(
                    "SELECT (SELECT count(*) FROM " + schema() + ".klienci) + (SELECT count(*) FROM " + schema() + ".pracownicy) "
                            + "+ (SELECT count(*) FROM " + schema() + ".projekty)").equals(List.of("113")));
        }

        /** Waits until each shipped aggregate's current snapshot equals the GROUP BY over its table. */
        void awaitAllEqualSql() {
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(sql("SELECT kraj, count(*) FROM " + schema() + ".klienci GROUP BY kraj")).isNotEmpty();
                assertThat(current("klienci-by-country", AggregateFunction.COUNT))
                        .isEqualTo(sql("SELECT kraj, count(*) FROM " + schema() + ".klienci GROUP BY kraj"));
                assertThat(current("avg-age-by-position", AggregateFunction.AVG))
                        .isEqualTo(sql("SELECT stanowisko, avg(wiek) FROM " + schema() + ".pracownicy GROUP BY stanowisko"));
                assertThat(current("budget-by-status", AggregateFunction.SUM))
                        .isEqualTo(sql("SELECT status, sum(budzet) FROM " + schema() + ".projekty GROUP BY status"));
            });
        }

        /** The aggregate as a reader finds it: the rows of its current Parquet snapshot in S3. */
        Map<String, BigDecimal> current(String aggregate, AggregateFunction function) throws Exception {
            Map<String, BigDecimal> groups = new TreeMap<>();
            for (GenericRecord r : S3Objects.parquetRows(prefix() + aggregate + "/current.parquet")) {
                groups.put(String.valueOf(r.get("group_key")), round((Double) r.get("value")));
            }
            return groups;
        }
    }

    @Test
    void shouldEqualGroupByAfterTheImportAndEveryKindOfChange() throws Exception {
        Source source = Source.named("changes", work);
        String s = source.schema();
        source.drop(SAMPLES);
        try (TestPipeline pipeline = source.start()) {
            source.awaitSamplesImported();
            source.awaitAllEqualSql();
            assertThat(source.current("klienci-by-country", AggregateFunction.COUNT)).hasSizeGreaterThan(2);
            GenericRecord first = S3Objects.parquetRows(source.prefix() + "klienci-by-country/current.parquet").get(0);
            assertThat((Long) first.get("as_of_commit_time")).as("commit time of the latest change").isGreaterThan(1_700_000_000_000L);
            assertThat((Long) first.get("as_of_lsn")).isPositive();
            assertThat((Long) first.get("row_count")).isPositive();

            execute("INSERT INTO " + s + ".klienci (id, nazwa, kraj) VALUES (500, 'Nowy klient', 'Islandia'), (501, 'Drugi nowy', 'Islandia')",
                    "UPDATE " + s + ".klienci SET kraj = 'Islandia' WHERE id = 1",
                    "UPDATE " + s + ".klienci SET telefon = '+48 111' WHERE id = 2",
                    "DELETE FROM " + s + ".klienci WHERE id IN (3, 4)",
                    "UPDATE " + s + ".pracownicy SET wiek = wiek + 7 WHERE id IN (1, 2, 3)",
                    "UPDATE " + s + ".pracownicy SET stanowisko = 'Prezes' WHERE id = 4",
                    "DELETE FROM " + s + ".pracownicy WHERE id = 5",
                    "UPDATE " + s + ".projekty SET budzet = budzet * 2 WHERE id = 1",
                    "UPDATE " + s + ".projekty SET status = 'wstrzymany' WHERE id IN (2, 3)",
                    "DELETE FROM " + s + ".projekty WHERE id = 4");
            source.awaitAllEqualSql();
            assertThat(source.current("klienci-by-country", AggregateFunction.COUNT)).containsEntry("Islandia", new BigDecimal(3));

            // a group whose last row leaves disappears
            execute("DELETE FROM " + s + ".klienci WHERE kraj = 'Islandia'");
            source.awaitAllEqualSql();
            assertThat(source.current("klienci-by-country", AggregateFunction.COUNT)).doesNotContainKey("Islandia");
            assertThat(S3Objects.keys(source.prefix() + "klienci-by-country/history/")).as("earlier snapshots kept")
                    .hasSizeBetween(2, 20).allMatch(k -> k.endsWith(".parquet"));
        }
    }

    @Test
    void shouldNotDoubleCountChangesMadeWhileStoppedOrReplayedFromTheStart() throws Exception {
        Source source = Source.named("replay", work);
        String s = source.schema();
        source.drop(SAMPLES);
        try (TestPipeline pipeline = source.start()) {
            source.awaitSamplesImported();
            source.awaitAllEqualSql();
        }
        execute("UPDATE " + s + ".klienci SET kraj = 'Estonia' WHERE id IN (5, 6)",
                "DELETE FROM " + s + ".pracownicy WHERE id = 6",
                "INSERT INTO " + s + ".projekty (id, nazwa, status, budzet) VALUES (900, 'Po restarcie', 'planowany', 1234.56)");
        try (TestPipeline pipeline = source.start()) {
            source.awaitAllEqualSql();
            assertThat(source.current("klienci-by-country", AggregateFunction.COUNT)).containsKey("Estonia");
        }
        // every change is read again: applying it a second time must change nothing
        execute("DELETE FROM " + s + "_state.aggregate_offsets");
        execute("UPDATE " + s + ".klienci SET kraj = 'Polska' WHERE id = 5");
        try (TestPipeline pipeline = source.start()) {
            source.awaitAllEqualSql();
        }
    }

    @Test
    void shouldRunAnAggregateDefinedOnlyInYaml() throws Exception {
        Source source = Source.named("yaml", work);
        source.drop(List.of("pracownicy.csv"));
        Files.writeString(work.resolve("extra").resolve("max-age.camel.yaml"), """
                - templatedRoute:
                    routeTemplateRef: aggregate
                    routeId: aggregate-max-age-by-position
                    parameters:
                      - {name: name, value: max-age-by-position}
                      - {name: table, value: pracownicy}
                      - {name: groupBy, value: stanowisko}
                      - {name: function, value: max}
                      - {name: value, value: wiek}
                """);
        String byPosition = "SELECT stanowisko, max(wiek) FROM " + source.schema() + ".pracownicy GROUP BY stanowisko";
        try (TestPipeline pipeline = source.start()) {
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(
                    source.current("max-age-by-position", AggregateFunction.MAX)).isNotEmpty().isEqualTo(sql(byPosition)));
            execute("UPDATE " + source.schema() + ".pracownicy SET wiek = 99 WHERE id = 7");
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(
                    source.current("max-age-by-position", AggregateFunction.MAX)).containsValue(new BigDecimal(99))
                    .isEqualTo(sql(byPosition)));
        }
    }

    private static BigDecimal round(double value) {
        return new BigDecimal(value).setScale(6, RoundingMode.HALF_UP).stripTrailingZeros();
    }

    private static Map<String, BigDecimal> sql(String query) throws Exception {
        Map<String, BigDecimal> groups = new TreeMap<>();
        try (Connection c = TestServices.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
            while (rs.next()) {
                groups.put(String.valueOf(rs.getString(1)), round(rs.getDouble(2)));
            }
        }
        return groups;
    }
}
