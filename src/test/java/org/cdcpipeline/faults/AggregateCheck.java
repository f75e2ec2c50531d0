package org.cdcpipeline.faults;

import java.io.IOException;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import org.apache.avro.generic.GenericRecord;
import org.cdcpipeline.JoinedRows;
import org.cdcpipeline.S3Objects;

/**
 * The shipped aggregates, each compared with the GROUP BY over its source table: the snapshot a dashboard reads
 * ({@code <aggregate>/current.parquet}) must hold the same groups, values and row counts; and the shipped mirror of
 * {@code projekty}: the parts its manifest lists must hold the table's rows; and the shipped data-quality figures of
 * each sample table: rows, NULLs and empty texts per column, as SQL counts them.
 */
final class AggregateCheck {

    /** One shipped aggregate and the query that computes it from scratch. */
    record Shipped(String name, String groupColumn, String valueColumn, String groupBy) {
    }

    static final List<Shipped> SHIPPED = List.of(
            new Shipped("klienci-by-country", "kraj", "count",
                    "SELECT kraj, count(*)::float8, count(*) FROM public.klienci GROUP BY kraj"),
            new Shipped("avg-age-by-position", "stanowisko", "avg_wiek",
                    "SELECT stanowisko, avg(wiek)::float8, count(*) FROM public.pracownicy GROUP BY stanowisko"),
            new Shipped("budget-by-status", "status", "sum_budzet",
                    "SELECT status, sum(budzet)::float8, count(*) FROM public.projekty GROUP BY status"),
            new Shipped("budget-by-client-country", "kraj", "sum_budzet",
                    "SELECT k.kraj, sum(p.budzet)::float8, count(*) FROM public.projekty p LEFT JOIN public.klienci k "
                            + "ON k.id = p.klient_id GROUP BY k.kraj"),
            new Shipped("revenue-by-customer", "nazwa", "sum_wartosc",
                    "SELECT k.nazwa, sum(z.wartosc)::float8, count(*) FROM public.zamowienia z LEFT JOIN public.klienci k "
                            + "ON k.id = z.klient_id GROUP BY k.nazwa"),
            new Shipped("age-brackets", "wiek", "count",
                    "SELECT wiek / 10 * 10, count(*)::float8, count(*) FROM public.pracownicy GROUP BY 1"),
            new Shipped("projects-by-start-month", "data_rozpoczecia", "count",
                    "SELECT date_trunc('month', data_rozpoczecia)::date, count(*)::float8, count(*) FROM public.projekty "
                            + "GROUP BY 1"));

    /** The sample tables whose data-quality figures ship ({@code quality-<table>}). */
    static final List<String> QUALITY_TABLES = List.of("klienci", "pracownicy", "projekty");

    private record Group(double value, long rows) {
    }

    private AggregateCheck() {
    }

    /** The differences between every shipped aggregate's snapshot and its GROUP BY; empty when all are equal. */
    static List<String> differences(Connection c, ArchiveContents bucket) throws SQLException, IOException {
        List<String> differences = new ArrayList<>();
        for (Shipped aggregate : SHIPPED) {
            Map<String, Group> expected = groupBy(c, aggregate);
            Map<String, Group> shipped = snapshot(bucket, aggregate);
            if (!same(expected, shipped)) {
                differences.add(aggregate.name() + ": GROUP BY gives " + expected + ", " + aggregate.name()
                        + "/current.parquet holds " + shipped);
            }
        }
        for (String qualityTable : QUALITY_TABLES) {
            Map<String, String> expected = qualitySql(c, qualityTable);
            Map<String, String> shipped = qualitySnapshot(bucket, qualityTable);
            if (!expected.equals(shipped)) {
                differences.add("quality-" + qualityTable + ": SQL gives " + expected + " (rows/NULLs/empty per column), "
                        + "quality-" + qualityTable + "/current.parquet holds " + shipped);
            }
        }
        List<String> table = tableRows(c, "SELECT * FROM public.projekty");
        List<String> mirror = mirrorRows(bucket, "projekty");
        if (!table.equals(mirror)) {
            List<String> missing = new ArrayList<>(table);
            missing.removeAll(mirror);
            List<String> extra = new ArrayList<>(mirror);
            extra.removeAll(table);
            differences.add("mirror projekty: " + table.size() + " rows in the table, " + mirror.size()
                    + " in the parts of projekty/manifest.json; not in the mirror: " + missing + ", not in the table: " + extra);
        }
        return differences;
    }

    private static List<String> tableRows(Connection c, String query) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
            return JoinedRows.of(rs);
        }
    }

    /** A mirror's rows as a reader finds them: the rows of the parts its manifest lists. */
    private static List<String> mirrorRows(ArchiveContents bucket, String mirror) throws IOException {
        List<GenericRecord> records = new ArrayList<>();
        for (String part : JoinedRows.manifestParts(bucket.text(mirror + "/manifest.json"))) {
            records.addAll(bucket.parquet(part));
        }
        return JoinedRows.of(records);
    }

    /** Per column of the table: rows/NULLs/empty texts ("null" for a column that is not text), by SQL. */
    private static Map<String, String> qualitySql(Connection c, String table) throws SQLException {
        Map<String, String> figures = new TreeMap<>();
        List<String[]> columns = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT column_name, data_type IN "
                + "('character varying', 'text', 'character') FROM information_schema.columns WHERE table_schema = 'public' "
                + "AND table_name = '" + table + "'")) {
            while (rs.next()) {
                columns.add(new String[] {rs.getString(1), String.valueOf(rs.getBoolean(2))});
            }
        }
        for (String[] column : columns) {
            String quoted = '"' + column[0] + '"';
            String empty = Boolean.parseBoolean(column[1]) ? "(count(*) FILTER (WHERE " + quoted + " = ''))::text" : "'null'";
            figures.put(column[0], tableRows(c, "SELECT count(*) || '/' || count(*) FILTER (WHERE " + quoted
                    + " IS NULL) || '/' || " + empty + " FROM public." + table).get(0));
        }
        return figures;
    }

    /** A quality snapshot's figures per column, as {@link #qualitySql} gives them. */
    private static Map<String, String> qualitySnapshot(ArchiveContents bucket, String table) throws IOException {
        Map<String, String> figures = new TreeMap<>();
        for (GenericRecord r : bucket.parquet("quality-" + table + "/current.parquet")) {
            figures.put(String.valueOf(S3Objects.value(r, "column")), r.get("rows") + "/" + r.get("nulls") + "/" + r.get("empty"));
        }
        return figures;
    }

    private static Map<String, Group> groupBy(Connection c, Shipped aggregate) throws SQLException {
        Map<String, Group> groups = new TreeMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(aggregate.groupBy())) {
            while (rs.next()) {
                groups.put(String.valueOf(rs.getString(1)), new Group(rs.getDouble(2), rs.getLong(3)));
            }
        }
        return groups;
    }

    /** The snapshot's groups, read by the column names of the data contract ({@code kraj}, {@code count}, {@code __rows}). */
    private static Map<String, Group> snapshot(ArchiveContents bucket, Shipped aggregate) throws IOException {
        Map<String, Group> groups = new TreeMap<>();
        for (GenericRecord r : bucket.parquet(aggregate.name() + "/current.parquet")) {
            BigDecimal value = S3Objects.number(r, aggregate.valueColumn());
            BigDecimal rows = S3Objects.number(r, "__rows");
            groups.put(String.valueOf(S3Objects.value(r, aggregate.groupColumn())), new Group(
                    value == null ? Double.NaN : value.doubleValue(), rows == null ? -1 : rows.longValue()));
        }
        return groups;
    }

    private static boolean same(Map<String, Group> expected, Map<String, Group> shipped) {
        if (!expected.keySet().equals(shipped.keySet())) {
            return false;
        }
        for (Map.Entry<String, Group> e : expected.entrySet()) {
            Group s = shipped.get(e.getKey());
            double tolerance = 1e-6 * Math.max(1, Math.abs(e.getValue().value()));
            if (Math.abs(e.getValue().value() - s.value()) > tolerance
                    || (s.rows() >= 0 && !Objects.equals(e.getValue().rows(), s.rows()))) {
                return false;
            }
        }
        return true;
    }
}
