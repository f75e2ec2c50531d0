package org.cdcpipeline.csv;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;

/**
 * Writes checked rows with COPY, PostgreSQL's bulk path: straight into the table while it is new (in the binary format
 * when every column has one, see {@link BinaryCopy}, which spares PostgreSQL the parsing), otherwise into a
 * temporary staging table followed by one {@code INSERT ... ON CONFLICT (id) DO UPDATE} that touches only rows whose
 * values changed, so re-importing a file produces no updates and no change events. A batch PostgreSQL refuses
 * (a constraint the CSV checks cannot see) is retried row by row to find and reject the offending rows.
 */
final class BatchWriter {

    private static final String STAGE = "csv_stage";

    /** Outcome of one batch: rows written (inserted or changed) and rows PostgreSQL refused. */
    record Result(long changed, List<Reject> refused) {
    }

    /** Direct COPY into the table; {@code null} when a row already exists (the caller then upserts). */
    Result copyInto(Connection connection, TableShape shape, List<String> header, List<String[]> rows)
            throws SQLException {
        ColumnType[] types = BinaryCopy.types(shape, header);
        ColumnType[] binary = types != null && BinaryCopy.accepts(types, rows) ? types : null;
        Savepoint beforeCopy = connection.setSavepoint();
        try {
            long n = copy(connection, shape.qualifiedName(), header, rows, binary);
            connection.releaseSavepoint(beforeCopy);
            return new Result(n, List.of());
        } catch (SQLException e) {
            if ("23505".equals(e.getSQLState())) {
                connection.rollback(beforeCopy);
                return null;
            }
            throw e;
        }
    }

    Result upsert(Connection connection, TableShape shape, List<String> header, List<String[]> rows) throws SQLException {
        createStage(connection, shape);
        copy(connection, STAGE, header, rows, null);
        try (Statement st = connection.createStatement()) {
            return new Result(st.executeUpdate(upsertSql(shape, header)), List.of());
        }
    }

    /** Row by row, each under a savepoint: the rows PostgreSQL refuses become rejects with its message. */
    Result upsertEachRow(Connection connection, TableShape shape, List<String> header, List<String[]> rows,
            List<CsvRow> sources) throws SQLException {
        createStage(connection, shape);
        String upsert = upsertSql(shape, header);
        long changed = 0;
        List<Reject> refused = new ArrayList<>();
        try (Statement st = connection.createStatement()) {
            for (int i = 0; i < rows.size(); i++) {
                Savepoint row = connection.setSavepoint();
                try {
                    copy(connection, STAGE, header, List.<String[]>of(rows.get(i)), null);
                    changed += st.executeUpdate(upsert);
                    st.executeUpdate("TRUNCATE " + STAGE);
                    connection.releaseSavepoint(row);
                } catch (SQLException e) {
                    if (!isRowError(e)) {
                        throw e;
                    }
                    connection.rollback(row);
                    CsvRow source = sources.get(i);
                    refused.add(new Reject(source.line(), "refused by PostgreSQL: " + firstLine(e.getMessage()),
                            source.raw()));
                }
            }
        }
        return new Result(changed, refused);
    }

    /** A fault in the data of some row, as opposed to the connection or the table. */
    static boolean isRowError(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("22") || state.startsWith("23") || state.equals("54000"));
    }

    private static void createStage(Connection connection, TableShape shape) throws SQLException {
        try (Statement st = connection.createStatement()) {
            st.execute("CREATE TEMP TABLE IF NOT EXISTS " + STAGE + " (LIKE " + shape.qualifiedName()
                    + " INCLUDING DEFAULTS) ON COMMIT DROP");
        }
    }

    /** COPY of the rows into the target: in binary when {@code binaryTypes} are given, as CSV otherwise. */
    private static long copy(Connection connection, String target, List<String> header, List<String[]> rows,
            ColumnType[] binaryTypes) throws SQLException {
        CopyManager copyApi = connection.unwrap(PGConnection.class).getCopyAPI();
        CopyIn copy = copyApi.copyIn("COPY " + target + " (" + columnList(header, "") + ") FROM STDIN WITH (FORMAT "
                + (binaryTypes != null ? "binary" : "csv") + ")");
        try {
            CopyBuffer out = new CopyBuffer(copy::writeToCopy);
            if (binaryTypes != null) {
                BinaryCopy.encode(binaryTypes, rows, out);
            } else {
                copyText(rows, out);
            }
            return copy.endCopy();
        } finally {
            if (copy.isActive()) {
                copy.cancelCopy();
            }
        }
    }

    /**
     * CSV for COPY: NULL is an empty unquoted field; a value is quoted when it is empty or holds a delimiter, quote or
     * line break (or is the end-of-data marker), and written as it is otherwise, which PostgreSQL reads fastest.
     */
    static void copyText(List<String[]> rows, CopyBuffer out) throws SQLException {
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                if (i > 0) {
                    out.room(1);
                    out.put((byte) ',');
                }
                String v = row[i];
                if (v == null) {
                    continue;
                }
                if (!needsQuotes(v)) {
                    out.utf8(v);
                    continue;
                }
                byte[] value = v.getBytes(StandardCharsets.UTF_8);
                out.room(1);
                out.put((byte) '"');
                for (byte b : value) {
                    out.room(2);
                    out.put(b);
                    if (b == '"') {
                        out.put((byte) '"');
                    }
                }
                out.room(1);
                out.put((byte) '"');
            }
            out.room(1);
            out.put((byte) '\n');
        }
        out.flush();
    }

    private static boolean needsQuotes(String v) {
        if (v.isEmpty() || v.equals("\\.")) {
            return true;
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == ',' || c == '"' || c == '\n' || c == '\r') {
                return true;
            }
        }
        return false;
    }

    static String upsertSql(TableShape shape, List<String> header) {
        List<String> updatable = header.stream().filter(c -> !c.equals("id")).toList();
        String columns = columnList(header, "");
        StringBuilder sql = new StringBuilder("INSERT INTO ").append(shape.qualifiedName()).append(" AS t (")
                .append(columns).append(") SELECT ").append(columns).append(" FROM ").append(STAGE)
                .append(" ON CONFLICT (\"id\") DO ");
        if (updatable.isEmpty()) {
            return sql.append("NOTHING").toString();
        }
        StringJoiner set = new StringJoiner(", ");
        for (String c : updatable) {
            String q = new SqlIdentifier(c).quoted();
            set.add(q + " = EXCLUDED." + q);
        }
        return sql.append("UPDATE SET ").append(set)
                .append(" WHERE (").append(columnList(updatable, "t.")).append(") IS DISTINCT FROM (")
                .append(columnList(updatable, "EXCLUDED.")).append(")").toString();
    }

    private static String columnList(List<String> columns, String prefix) {
        StringJoiner list = new StringJoiner(", ");
        for (String c : columns) {
            list.add(prefix + new SqlIdentifier(c).quoted());
        }
        return list.toString();
    }

    private static String firstLine(String message) {
        int nl = message == null ? -1 : message.indexOf('\n');
        return nl < 0 ? String.valueOf(message) : message.substring(0, nl);
    }
}
