package org.cdcpipeline.aggregate;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.avro.generic.GenericRecord;
import org.cdcpipeline.JoinedRows;
import org.cdcpipeline.S3Objects;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.awaitility.Awaitility.await;
import static org.cdcpipeline.TestServices.execute;

/**
 * The shipped aggregates on their real YAML routes, real PostgreSQL and Kafka: at every quiet moment each one equals
 * the GROUP BY over its source table, through inserts, updates of values and of groups, deletes, restarts and replays.
 * Each test imports into a schema of its own, with its own state schema, slot, topics and snapshot prefix in the bucket:
 * no test depends on another.
 */
class AggregatesIT {

    private static final List<String> SAMPLES = List.of("klienci.csv", "pracownicy.csv", "projekty.csv", "zamowienia.csv");

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

        /** Waits until every row of the four samples is imported. */
        void awaitSamplesImported() {
            await().atMost(Duration.ofSeconds(60)).until(() -> TestServices.column(
                    "SELECT (SELECT count(*) FROM " + schema() + ".klienci) + (SELECT count(*) FROM " + schema() + ".pracownicy) "
                            + "+ (SELECT count(*) FROM " + schema() + ".projekty) + (SELECT count(*) FROM " + schema() + ".zamowienia)")
                    .equals(List.of("193")));
        }

        /** Waits until each shipped aggregate's current snapshot equals the GROUP BY over its table. */
        void awaitAllEqualSql() {
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(sql("SELECT kraj, count(*) FROM " + schema() + ".klienci GROUP BY kraj")).isNotEmpty();
                assertThat(current("klienci-by-country", "kraj", "count"))
                        .isEqualTo(sql("SELECT kraj, count(*) FROM " + schema() + ".klienci GROUP BY kraj"));
                assertThat(current("avg-age-by-position", "stanowisko", "avg_wiek"))
                        .isEqualTo(sql("SELECT stanowisko, avg(wiek) FROM " + schema() + ".pracownicy GROUP BY stanowisko"));
                assertThat(current("budget-by-status", "status", "sum_budzet"))
                        .isEqualTo(sql("SELECT status, sum(budzet) FROM " + schema() + ".projekty GROUP BY status"));
                assertThat(current("age-brackets", "wiek", "count"))
                        .isEqualTo(sql("SELECT wiek / 10 * 10, count(*) FROM " + schema() + ".pracownicy GROUP BY 1"));
                assertThat(current("budget-by-client-country", "kraj", "sum_budzet"))
                        .isEqualTo(sql("SELECT k.kraj, sum(p.budzet) FROM " + schema() + ".projekty p LEFT JOIN " + schema()
                                + ".klienci k ON k.id = p.klient_id GROUP BY k.kraj"));
                assertThat(current("revenue-by-customer", "nazwa", "sum_wartosc"))
                        .isEqualTo(sql("SELECT k.nazwa, sum(z.wartosc) FROM " + schema() + ".zamowienia z LEFT JOIN " + schema()
                                + ".klienci k ON k.id = z.klient_id GROUP BY k.nazwa"));
                assertThat(current("projects-by-start-month", "data_rozpoczecia", "count"))
                        .isEqualTo(sql("SELECT date_trunc('month', data_rozpoczecia)::date, count(*) FROM " + schema()
                                + ".projekty GROUP BY 1"));
            });
        }

        /** The aggregate as a reader finds it: the rows of its current Parquet snapshot in S3, by column name. */
        Map<String, BigDecimal> current(String aggregate, String groupColumn, String valueColumn) throws Exception {
            Map<String, BigDecimal> groups = new TreeMap<>();
            for (GenericRecord r : S3Objects.parquetRows(prefix() + aggregate + "/current.parquet")) {
                groups.put(String.valueOf(S3Objects.value(r, groupColumn)), round(S3Objects.number(r, valueColumn).doubleValue()));
            }
            return groups;
        }

        /** A table's quality snapshot (quality-<table>) as rows/NULLs/empty texts per column. */
        Map<String, String> quality(String table) throws Exception {
            Map<String, String> figures = new TreeMap<>();
            for (GenericRecord r : S3Objects.parquetRows(prefix() + "quality-" + table + "/current.parquet")) {
                figures.put(String.valueOf(S3Objects.value(r, "column")), r.get("rows") + "/" + r.get("nulls") + "/"
                        + r.get("empty"));
            }
            return figures;
        }

        /** The columns of an aggregate's current snapshot: name and Parquet (Avro) type, nulls left out. */
        Map<String, String> columns(String aggregate) throws Exception {
            return columnsOf(prefix() + aggregate + "/current.parquet");
        }
    }

    /** The columns of a Parquet object: name and Parquet (Avro) type, nulls left out. */
    private static Map<String, String> columnsOf(String key) throws Exception {
        Map<String, String> columns = new java.util.LinkedHashMap<>();
        List<GenericRecord> rows = S3Objects.parquetRows(key);
        for (org.apache.avro.Schema.Field f : rows.isEmpty() ? List.<org.apache.avro.Schema.Field>of()
                : rows.get(0).getSchema().getFields()) {
            org.apache.avro.Schema type = f.schema().isUnion() ? f.schema().getTypes().get(1) : f.schema();
            columns.put(f.name(), type.getLogicalType() != null ? type.getLogicalType().getName()
                    + (type.getLogicalType() instanceof org.apache.avro.LogicalTypes.Decimal d
                    ? "(" + d.getPrecision() + "," + d.getScale() + ")" : "") : type.getType().getName());
        }
        return columns;
    }

    /** The shipped aggregates, and the data-quality figures of klienci in their snapshot and in the metrics. */
    @Test
    void shouldEqualGroupByAndCountNullsAfterTheImportAndEveryKindOfChange() throws Exception {
        Source source = Source.named("changes", work);
        String s = source.schema();
        source.drop(SAMPLES);
        Map<String, String> settings = source.settings();
        int observePort = TestServices.freePort();
        settings.put("observe.enabled", "true");
        settings.put("observe.port", String.valueOf(observePort));
        try (TestPipeline pipeline = TestPipeline.start(settings)) {
            source.awaitSamplesImported();
            source.awaitAllEqualSql();
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(source.quality("klienci"))
                    .hasSize(5).isEqualTo(qualitySql(s + ".klienci")));
            assertThat(source.current("klienci-by-country", "kraj", "count")).hasSizeGreaterThan(2);
            GenericRecord first = S3Objects.parquetRows(source.prefix() + "klienci-by-country/current.parquet").get(0);
            assertThat((Long) first.get("__as_of_commit_time")).as("commit time of the latest change").isGreaterThan(1_700_000_000_000L);
            assertThat((Long) first.get("__as_of_lsn")).isPositive();
            assertThat((Long) first.get("__rows")).isPositive();
            // named and typed as a dashboard reads them: the source column's name and SQL type, the function's name
            String times = "timestamp-millis";
            assertThat(source.columns("klienci-by-country")).containsExactly(entry("kraj", "string"),
                    entry("count", "long"), entry("__rows", "long"), entry("__as_of_commit_time", times),
                    entry("__as_of_lsn", "long"));
            assertThat(source.columns("avg-age-by-position")).containsEntry("stanowisko", "string")
                    .containsEntry("avg_wiek", "double");
            assertThat(source.columns("budget-by-status")).containsEntry("status", "string")
                    .containsEntry("sum_budzet", "decimal(38,2)");
            assertThat(source.columns("age-brackets")).containsEntry("wiek", "int").containsEntry("count", "long");
            assertThat(source.columns("projects-by-start-month")).containsEntry("data_rozpoczecia", "date");

            execute("INSERT INTO " + s + ".klienci (id, nazwa, kraj) VALUES (500, 'Nowy klient', 'Islandia'), (501, 'Drugi nowy', 'Islandia')",
                    "UPDATE " + s + ".klienci SET kraj = 'Islandia' WHERE id = 1",
                    "UPDATE " + s + ".klienci SET telefon = '+48 111' WHERE id = 2",
                    "DELETE FROM " + s + ".klienci WHERE id IN (3, 4)",
                    "UPDATE " + s + ".klienci SET email = NULL WHERE id IN (6, 7)",
                    "UPDATE " + s + ".klienci SET telefon = '' WHERE id IN (8, 9, 10)",
                    "UPDATE " + s + ".klienci SET telefon = NULL, kraj = '' WHERE id = 9",
                    "INSERT INTO " + s + ".klienci (id, nazwa, email, kraj) VALUES (600, '', '', NULL)",
                    "UPDATE " + s + ".pracownicy SET wiek = wiek + 7 WHERE id IN (1, 2, 3)",
                    "UPDATE " + s + ".pracownicy SET stanowisko = 'Prezes' WHERE id = 4",
                    "DELETE FROM " + s + ".pracownicy WHERE id = 5",
                    "UPDATE " + s + ".projekty SET budzet = budzet * 2 WHERE id = 1",
                    "UPDATE " + s + ".projekty SET status = 'wstrzymany' WHERE id IN (2, 3)",
                    "UPDATE " + s + ".projekty SET data_rozpoczecia = data_rozpoczecia + 45 WHERE id IN (5, 6)",
                    "UPDATE " + s + ".projekty SET data_rozpoczecia = NULL WHERE id = 7",
                    "DELETE FROM " + s + ".projekty WHERE id = 4");
            source.awaitAllEqualSql();
            assertThat(source.current("klienci-by-country", "kraj", "count")).containsEntry("Islandia", new BigDecimal(3));

            // a group whose last row leaves disappears
            execute("DELETE FROM " + s + ".klienci WHERE kraj = 'Islandia'");
            source.awaitAllEqualSql();
            assertThat(source.current("klienci-by-country", "kraj", "count")).doesNotContainKey("Islandia");
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                Map<String, String> expected = qualitySql(s + ".klienci");
                assertThat(expected.get("email")).isEqualTo("38/2/1");
                assertThat(source.quality("klienci")).isEqualTo(expected);
            });
            HttpClient http = HttpClient.newHttpClient();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(http.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + observePort + "/observe/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body())
                    .contains("quality_nulls{aggregate=\"quality-klienci\",column=\"email\",table=\"klienci\"} 2.0")
                    .contains("quality_empty{aggregate=\"quality-klienci\",column=\"email\",table=\"klienci\"} 1.0")
                    .contains("quality_rows{aggregate=\"quality-klienci\",column=\"id\",table=\"klienci\"} 38.0")
                    .doesNotContain("quality_empty{aggregate=\"quality-klienci\",column=\"id\""));
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
            assertThat(source.current("klienci-by-country", "kraj", "count")).containsKey("Estonia");
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
                # the README's bucketed example
                - templatedRoute:
                    routeTemplateRef: aggregate
                    routeId: aggregate-salaries-by-hire-year
                    parameters:
                      - {name: name, value: salaries-by-hire-year}
                      - {name: table, value: pracownicy}
                      - {name: groupBy, value: data_zatrudnienia}
                      - {name: bucket, value: year}
                      - {name: function, value: sum}
                      - {name: value, value: pensja}
                """);
        String byHireYear = "SELECT date_trunc('year', data_zatrudnienia)::date, sum(pensja) FROM " + source.schema()
                + ".pracownicy GROUP BY 1";
        String byPosition = "SELECT stanowisko, max(wiek) FROM " + source.schema() + ".pracownicy GROUP BY stanowisko";
        try (TestPipeline pipeline = source.start()) {
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(
                    source.current("max-age-by-position", "stanowisko", "max_wiek")).isNotEmpty().isEqualTo(sql(byPosition)));
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(
                    source.current("salaries-by-hire-year", "data_zatrudnienia", "sum_pensja")).hasSizeGreaterThan(1)
                    .isEqualTo(sql(byHireYear)));
            assertThat(source.columns("salaries-by-hire-year")).containsEntry("data_zatrudnienia", "date")
                    .containsEntry("sum_pensja", "decimal(38,2)");
            execute("UPDATE " + source.schema() + ".pracownicy SET wiek = 99 WHERE id = 7");
            execute("UPDATE " + source.schema() + ".pracownicy SET data_zatrudnienia = '1999-06-30' WHERE id = 8");
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(
                    source.current("max-age-by-position", "stanowisko", "max_wiek")).containsValue(new BigDecimal(99))
                    .isEqualTo(sql(byPosition)));
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(
                    source.current("salaries-by-hire-year", "data_zatrudnienia", "sum_pensja")).containsKey("1999-01-01")
                    .isEqualTo(sql(byHireYear)));
        }
        // a snapshot in the generic layout of earlier versions is rewritten on the next start, with no change since
        String key = source.prefix() + "max-age-by-position/current.parquet";
        byte[] earlier = SnapshotParquet.write(new AggregateSnapshot("max-age-by-position", new AggregateSnapshot.Columns(
                AggregateFunction.MAX, "group_key", ColumnType.TEXT, "value", ColumnType.DOUBLE, Map.of()), List.of(new AggregateSnapshot.Group("x", BigDecimal.ONE, 1)),
                0, null));
        S3Objects.put(key, earlier);
        assertThat(source.columns("max-age-by-position")).containsKeys("group_key", "value");
        try (TestPipeline pipeline = source.start()) {
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(source.columns("max-age-by-position"))
                    .containsKeys("stanowisko", "max_wiek"));
            assertThat(source.current("max-age-by-position", "stanowisko", "max_wiek")).isEqualTo(sql(byPosition));
        }
    }

    /**
     * The joined aggregates and the mirror of {@code projekty} under the same changes and restarts: a mirror is kept
     * by the same exactly-once machinery, and one test's starts serve both.
     */
    @Test
    void shouldMoveContributionsWhenEitherSideOfAJoinChangesAndMirrorTheTableInParts() throws Exception {
        Source source = Source.named("join", work);
        String s = source.schema();
        source.drop(List.of("klienci.csv", "projekty.csv", "zamowienia.csv"));
        Map<String, String> settings = source.settings();
        settings.put("aggregate.mirror-rows-per-file", "10"); // 28 rows: three parts
        String all = "SELECT id, nazwa, status, budzet, data_rozpoczecia, data_zakonczenia, klient_id, kierownik_id FROM "
                + s + ".projekty";
        String byCountry = "SELECT k.kraj, sum(p.budzet) FROM " + s + ".projekty p LEFT JOIN " + s
                + ".klienci k ON k.id = p.klient_id GROUP BY k.kraj";
        String byCustomer = "SELECT k.nazwa, sum(z.wartosc) FROM " + s + ".zamowienia z LEFT JOIN " + s
                + ".klienci k ON k.id = z.klient_id GROUP BY k.nazwa";
        try (TestPipeline pipeline = TestPipeline.start(settings)) {
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(
                    source.current("budget-by-client-country", "kraj", "sum_budzet")).hasSizeGreaterThan(2)
                    .isEqualTo(sql(byCountry)));
            assertThat(source.columns("budget-by-client-country")).containsEntry("kraj", "string")
                    .containsEntry("sum_budzet", "decimal(38,2)");
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(
                    source.current("revenue-by-customer", "nazwa", "sum_wartosc")).hasSizeGreaterThan(20)
                    .isEqualTo(sql(byCustomer)));
            assertThat(source.columns("revenue-by-customer")).containsEntry("nazwa", "string")
                    .containsEntry("sum_wartosc", "decimal(38,2)");
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(mirror(source, "projekty"))
                    .hasSize(28).isEqualTo(rows(all)));
            JsonNode manifest = new ObjectMapper().readTree(S3Objects.text(source.prefix() + "projekty/manifest.json"));
            assertThat(manifest.get("files")).hasSize(3);
            assertThat(manifest.get("rows").asLong()).isEqualTo(28);
            assertThat(manifest.get("as_of_lsn").asLong()).isPositive();
            assertThat(columnsOf(manifest.get("files").get(0).asText())).containsEntry("id", "int")
                    .containsEntry("nazwa", "string").containsEntry("budzet", "decimal(14,2)")
                    .containsEntry("data_rozpoczecia", "date").containsEntry("__as_of_commit_time", "timestamp-millis");
            execute("UPDATE " + s + ".klienci SET nazwa = 'Nowa Nazwa' WHERE id = 10", // a renamed customer keeps its revenue
                    "UPDATE " + s + ".zamowienia SET klient_id = 10 WHERE id = 2", // an order moves to another customer
                    "DELETE FROM " + s + ".zamowienia WHERE id = 3",
                    "UPDATE " + s + ".klienci SET kraj = 'Islandia' WHERE id = 1", // a customer moves: its projects too
                    "UPDATE " + s + ".projekty SET klient_id = 6 WHERE id = 2", // a project moves to another customer
                    "DELETE FROM " + s + ".klienci WHERE id = 8", // its projects go to the NULL group
                    "UPDATE " + s + ".projekty SET klient_id = NULL WHERE id = 3",
                    "INSERT INTO " + s + ".projekty (id, nazwa, status, budzet, klient_id) VALUES (800, 'Nowy, \"cytat\"', 'planowany', 10.50, 999)",
                    "UPDATE " + s + ".projekty SET status = 'zakonczony', budzet = 1.05 WHERE id = 1",
                    "DELETE FROM " + s + ".projekty WHERE id = 5");
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(
                    source.current("budget-by-client-country", "kraj", "sum_budzet")).containsKeys("Islandia", "null")
                    .isEqualTo(sql(byCountry)));
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(
                    source.current("revenue-by-customer", "nazwa", "sum_wartosc")).containsKey("Nowa Nazwa")
                    .isEqualTo(sql(byCustomer)));
            // the customer of project 800 arrives after it; the deleted one comes back elsewhere
            execute("INSERT INTO " + s + ".klienci (id, nazwa, kraj) VALUES (999, 'Spóźniony', 'Malta'), (8, 'Wraca', 'Malta')");
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(
                    source.current("budget-by-client-country", "kraj", "sum_budzet")).containsKey("Malta")
                    .isEqualTo(sql(byCountry)));
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(mirror(source, "projekty"))
                    .anyMatch(r -> r.startsWith("800|Nowy, \"cytat\"|")).isEqualTo(rows(all)));
            // versions older than the one before the current are deleted
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(S3Objects.keys(source.prefix()
                    + "projekty/parts/").stream().map(k -> k.substring(0, k.lastIndexOf('/'))).distinct()).hasSizeLessThanOrEqualTo(2));
        }
        // changes on both sides while stopped, then every change read again from the start: still the join
        execute("UPDATE " + s + ".klienci SET kraj = 'Estonia' WHERE id = 6",
                "UPDATE " + s + ".projekty SET klient_id = 1, nazwa = 'Po przerwie' WHERE id = 4",
                "DELETE FROM " + s + ".projekty WHERE id = 800");
        try (TestPipeline pipeline = TestPipeline.start(settings)) {
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(
                    source.current("budget-by-client-country", "kraj", "sum_budzet")).containsKey("Estonia")
                    .isEqualTo(sql(byCountry)));
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(mirror(source, "projekty"))
                    .anyMatch(r -> r.startsWith("4|Po przerwie|")).isEqualTo(rows(all)));
        }
        execute("DELETE FROM " + s + "_state.aggregate_offsets WHERE aggregate IN ('budget-by-client-country', 'projekty')");
        execute("UPDATE " + s + ".klienci SET kraj = 'Polska' WHERE id = 6");
        try (TestPipeline pipeline = TestPipeline.start(settings)) {
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(
                    source.current("budget-by-client-country", "kraj", "sum_budzet")).doesNotContainKey("Estonia")
                    .isEqualTo(sql(byCountry)));
            execute("UPDATE " + s + ".klienci SET nazwa = 'Po powtórce' WHERE id = 10",
                    "UPDATE " + s + ".projekty SET nazwa = 'Po powtórce' WHERE id = 6");
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(mirror(source, "projekty"))
                    .anyMatch(r -> r.startsWith("6|Po powtórce|")).isEqualTo(rows(all)));
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(
                    source.current("revenue-by-customer", "nazwa", "sum_wartosc")).containsKey("Po powtórce")
                    .isEqualTo(sql(byCustomer)));
        }
    }

    /** A mirror as a reader finds it: the rows of the parts its manifest lists. */
    private static List<String> mirror(Source source, String name) throws Exception {
        List<GenericRecord> records = new java.util.ArrayList<>();
        for (String part : JoinedRows.manifestParts(S3Objects.text(source.prefix() + name + "/manifest.json"))) {
            records.addAll(S3Objects.parquetRows(part));
        }
        return JoinedRows.of(records);
    }

    private static List<String> rows(String query) throws Exception {
        try (Connection c = TestServices.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(query)) {
            return JoinedRows.of(rs);
        }
    }

    /** Per column of the table: rows/NULLs/empty texts ("null" for a column that is not text), by SQL. */
    private static Map<String, String> qualitySql(String table) throws Exception {
        Map<String, String> figures = new TreeMap<>();
        for (String column : List.of("id", "nazwa", "email", "kraj", "telefon")) {
            String empty = column.equals("id") ? "NULL" : "count(*) FILTER (WHERE " + column + " = '')";
            figures.put(column, TestServices.column("SELECT count(*) || '/' || count(*) FILTER (WHERE " + column
                    + " IS NULL) || '/' || coalesce((" + empty + ")::text, 'null') FROM " + table).get(0));
        }
        return figures;
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
