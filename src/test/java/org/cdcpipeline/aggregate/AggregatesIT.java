package org.cdcpipeline.aggregate;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

import org.cdcpipeline.Samples;
import org.cdcpipeline.TestPipeline;
import org.cdcpipeline.TestServices;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.apache.avro.generic.GenericRecord;
import org.cdcpipeline.S3Objects;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.cdcpipeline.TestServices.execute;

/**
 * The shipped aggregates on their real YAML routes, real PostgreSQL and Kafka: at every quiet moment each one equals
 * the GROUP BY over its source table, through inserts, updates of values and of groups, deletes, restarts and replays.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AggregatesIT {

    private static final String SCHEMA = "agg_it";
    private static final String STATE = "agg_it_state";
    /** the test's aggregates write under their own prefix of the shared bucket */
    private static final String PREFIX = "agg-it/";

    @TempDir
    static Path work;

    private static Map<String, String> settings() {
        Map<String, String> s = new HashMap<>(Map.of("csv.dir", work.resolve("csv").toString(), "csv.schema", SCHEMA,
                "pipeline.data-dir", work.resolve("data").toString(), "cdc.enabled", "true",
                "aggregate.enabled", "true", "aggregate.state-schema", STATE, 
                "topic.prefix", "aggit", "cdc.slot-name", SCHEMA, "cdc.publication-name", SCHEMA,
                "cdc.offset-flush-interval-ms", "200"));
        s.put("aggregate.snapshot-prefix", PREFIX);
        s.put("aggregate.snapshot-interval-ms", "300");
        s.put("camel.main.routes-include-pattern", "file:routes/*.camel.yaml,file:" + work.resolve("extra").toAbsolutePath() + "/*.camel.yaml");
        return s;
    }

    @Test
    @Order(1)
    void shouldEqualGroupByAfterTheImportAndEveryKindOfChange() throws Exception {
        Files.createDirectories(work.resolve("csv"));
        Files.createDirectories(work.resolve("extra"));
        for (String sample : new String[] {"klienci.csv", "pracownicy.csv", "projekty.csv"}) {
            Files.copy(Samples.path(sample), work.resolve("csv").resolve(sample));
        }
        try (TestPipeline pipeline = TestPipeline.start(settings())) {
            await().atMost(Duration.ofSeconds(60)).until(() -> TestServices.column(
                    "SELECT (SELECT count(*) FROM agg_it.klienci) + (SELECT count(*) FROM agg_it.pracownicy) "
                            + "+ (SELECT count(*) FROM agg_it.projekty)").equals(java.util.List.of("113")));
            awaitAllEqualSql();
            assertThat(current("klienci-by-country", AggregateFunction.COUNT)).hasSizeGreaterThan(2);
            GenericRecord first = S3Objects.parquetRows(PREFIX + "klienci-by-country/current.parquet").get(0);
            assertThat((Long) first.get("as_of_commit_time")).as("commit time of the latest change").isGreaterThan(1_700_000_000_000L);
            assertThat((Long) first.get("as_of_lsn")).isPositive();
            assertThat((Long) first.get("row_count")).isPositive();

            execute("INSERT INTO agg_it.klienci (id, nazwa, kraj) VALUES (500, 'Nowy klient', 'Islandia'), (501, 'Drugi nowy', 'Islandia')",
                    "UPDATE agg_it.klienci SET kraj = 'Islandia' WHERE id = 1",
                    "UPDATE agg_it.klienci SET telefon = '+48 111' WHERE id = 2",
                    "DELETE FROM agg_it.klienci WHERE id IN (3, 4)",
                    "UPDATE agg_it.pracownicy SET wiek = wiek + 7 WHERE id IN (1, 2, 3)",
                    "UPDATE agg_it.pracownicy SET stanowisko = 'Prezes' WHERE id = 4",
                    "DELETE FROM agg_it.pracownicy WHERE id = 5",
                    "UPDATE agg_it.projekty SET budzet = budzet * 2 WHERE id = 1",
                    "UPDATE agg_it.projekty SET status = 'wstrzymany' WHERE id IN (2, 3)",
                    "DELETE FROM agg_it.projekty WHERE id = 4");
            awaitAllEqualSql();
            assertThat(current("klienci-by-country", AggregateFunction.COUNT)).containsEntry("Islandia", new BigDecimal(3));

            // a group whose last row leaves disappears
            execute("DELETE FROM agg_it.klienci WHERE kraj = 'Islandia'");
            awaitAllEqualSql();
            assertThat(current("klienci-by-country", AggregateFunction.COUNT)).doesNotContainKey("Islandia");
            assertThat(S3Objects.keys(PREFIX + "klienci-by-country/history/")).as("earlier snapshots kept")
                    .hasSizeBetween(2, 20).allMatch(k -> k.endsWith(".parquet"));
        }
    }

    @Test
    @Order(2)
    void shouldNotDoubleCountChangesMadeWhileStoppedOrReplayedFromTheStart() throws Exception {
        execute("UPDATE agg_it.klienci SET kraj = 'Estonia' WHERE id IN (5, 6)",
                "DELETE FROM agg_it.pracownicy WHERE id = 6",
                "INSERT INTO agg_it.projekty (id, nazwa, status, budzet) VALUES (900, 'Po restarcie', 'planowany', 1234.56)");
        try (TestPipeline pipeline = TestPipeline.start(settings())) {
            awaitAllEqualSql();
        }
        // every change is read again: applying it a second time must change nothing
        execute("DELETE FROM " + STATE + ".aggregate_offsets");
        execute("UPDATE agg_it.klienci SET kraj = 'Polska' WHERE id = 5");
        try (TestPipeline pipeline = TestPipeline.start(settings())) {
            awaitAllEqualSql();
        }
    }

    @Test
    @Order(3)
    void shouldRunAnAggregateDefinedOnlyInYaml() throws Exception {
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
        try (TestPipeline pipeline = TestPipeline.start(settings())) {
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(current("max-age-by-position", AggregateFunction.MAX))
                    .isEqualTo(sql("SELECT stanowisko, max(wiek) FROM agg_it.pracownicy GROUP BY stanowisko")));
            execute("UPDATE agg_it.pracownicy SET wiek = 99 WHERE id = 7");
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(current("max-age-by-position", AggregateFunction.MAX))
                    .isEqualTo(sql("SELECT stanowisko, max(wiek) FROM agg_it.pracownicy GROUP BY stanowisko")));
        }
    }

    private static void awaitAllEqualSql() {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(sql("SELECT kraj, count(*) FROM agg_it.klienci GROUP BY kraj")).isNotEmpty();
            assertThat(current("klienci-by-country", AggregateFunction.COUNT))
                    .isEqualTo(sql("SELECT kraj, count(*) FROM agg_it.klienci GROUP BY kraj"));
            assertThat(current("avg-age-by-position", AggregateFunction.AVG))
                    .isEqualTo(sql("SELECT stanowisko, avg(wiek) FROM agg_it.pracownicy GROUP BY stanowisko"));
            assertThat(current("budget-by-status", AggregateFunction.SUM))
                    .isEqualTo(sql("SELECT status, sum(budzet) FROM agg_it.projekty GROUP BY status"));
        });
    }

    /** The aggregate as a reader finds it: the rows of its current Parquet snapshot in S3. */
    private static Map<String, BigDecimal> current(String aggregate, AggregateFunction function) throws Exception {
        Map<String, BigDecimal> groups = new TreeMap<>();
        for (GenericRecord r : S3Objects.parquetRows(PREFIX + aggregate + "/current.parquet")) {
            groups.put(String.valueOf(r.get("group_key")), round((Double) r.get("value")));
        }
        return groups;
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
