package org.cdcpipeline.csv;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Looks up target tables and creates missing ones: from {@code schema/<table>.sql} when the project ships an explicit
 * schema for the table, else with column types inferred from the file. Every table created here gets
 * {@code REPLICA IDENTITY FULL}, so change events carry the row as it was before an update or delete, and is recorded
 * as the import's own in the same transaction.
 */
final class TableCatalog {

    private static final Logger LOG = LoggerFactory.getLogger(TableCatalog.class);

    private static final String COLUMNS_SQL = """
            SELECT a.attname, t.typname,
                   CASE WHEN t.typname IN ('varchar', 'bpchar') AND a.atttypmod > 4 THEN a.atttypmod - 4 ELSE 0 END,
                   NOT a.attnotnull, a.atthasdef
              FROM pg_attribute a
              JOIN pg_class c ON c.oid = a.attrelid
              JOIN pg_namespace n ON n.oid = c.relnamespace
              JOIN pg_type t ON t.oid = a.atttypid
             WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum""";

    private static final String ID_UNIQUE_SQL = """
            SELECT EXISTS (
              SELECT 1 FROM pg_index i
                JOIN pg_class c ON c.oid = i.indrelid
                JOIN pg_namespace n ON n.oid = c.relnamespace
                JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
               WHERE n.nspname = ? AND c.relname = ? AND i.indisunique AND i.indnkeyatts = 1
                 AND i.indpred IS NULL AND a.attname = 'id')""";

    private final SqlIdentifier schema;
    private final Path schemaDir;
    private final OwnedTables owned;

    TableCatalog(SqlIdentifier schema, Path schemaDir, OwnedTables owned) {
        this.schema = schema;
        this.schemaDir = schemaDir;
        this.owned = owned;
    }

    SqlIdentifier schema() {
        return schema;
    }

    Optional<TableShape> describe(Connection connection, SqlIdentifier table) throws SQLException {
        Map<String, TableColumn> columns = new LinkedHashMap<>();
        try (PreparedStatement ps = connection.prepareStatement(COLUMNS_SQL)) {
            ps.setString(1, schema.name());
            ps.setString(2, table.name());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String name = rs.getString(1);
                    columns.put(name, new TableColumn(name, ColumnType.fromPostgres(rs.getString(2)), rs.getInt(3),
                            rs.getBoolean(4), rs.getBoolean(5)));
                }
            }
        }
        if (columns.isEmpty()) {
            return Optional.empty();
        }
        boolean idUnique;
        try (PreparedStatement ps = connection.prepareStatement(ID_UNIQUE_SQL)) {
            ps.setString(1, schema.name());
            ps.setString(2, table.name());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                idUnique = rs.getBoolean(1);
            }
        }
        return Optional.of(new TableShape(schema, table, columns, idUnique));
    }

    /**
     * Creates the table, records it as the import's own and describes it, in the caller's transaction. A table created
     * by another session since it was looked up fails with {@link #createdMeanwhile} (an inferred table), or is taken
     * as it is (a schema file's {@code CREATE TABLE IF NOT EXISTS}).
     */
    TableShape create(Connection connection, SqlIdentifier table, List<String> header, List<CsvRow> sample)
            throws SQLException {
        Optional<String> explicit = explicitSchema(table);
        String ddl = explicit.orElseGet(() -> inferredDdl(table, header, sample));
        try (Statement st = connection.createStatement()) {
            st.execute("CREATE SCHEMA IF NOT EXISTS " + schema.quoted());
            st.execute("SET LOCAL search_path TO " + schema.quoted());
            st.execute(ddl);
            st.execute("ALTER TABLE " + schema.quoted() + "." + table.quoted() + " REPLICA IDENTITY FULL");
        }
        owned.register(connection, table);
        LOG.info("Created table {}.{} ({})", schema, table, explicit.isPresent() ? "schema/" + table + ".sql" : "column types inferred from the file");
        return describe(connection, table).orElseThrow(() -> new SQLException(
                (explicit.isPresent() ? "schema/" + table + ".sql" : "The inferred DDL") + " did not create table " + table));
    }

    /**
     * Creates every table that has an explicit schema file and does not exist yet, so the tables are there, and can be
     * captured, before their first CSV file arrives.
     *
     * @return the tables created
     */
    List<String> createDeclared(Connection connection) throws SQLException, IOException {
        List<String> created = new ArrayList<>();
        owned.prepare(connection);
        if (!Files.isDirectory(schemaDir)) {
            return created;
        }
        List<Path> files;
        try (java.util.stream.Stream<Path> listing = Files.list(schemaDir)) {
            files = listing.filter(f -> f.getFileName().toString().endsWith(".sql")).sorted().toList();
        }
        for (Path file : files) {
            String name = file.getFileName().toString().replaceFirst("\\.sql$", "");
            if (!SqlIdentifier.isValid(name)) {
                LOG.warn("Ignoring {}: '{}' is not a valid table name", file, name);
                continue;
            }
            SqlIdentifier table = new SqlIdentifier(name);
            if (describe(connection, table).isEmpty()) {
                boolean autoCommit = connection.getAutoCommit();
                connection.setAutoCommit(false);
                create(connection, table, List.of(), List.of());
                connection.commit();
                connection.setAutoCommit(autoCommit);
                created.add(name);
            }
        }
        return created;
    }

    /**
     * Whether creating the table failed because another session created it since it was looked up (PostgreSQL reports
     * a table created concurrently as a duplicate type name).
     */
    static boolean createdMeanwhile(SQLException e) {
        return "42P07".equals(e.getSQLState()) || "23505".equals(e.getSQLState());
    }

    /** Whether the table has an explicit schema: {@code <csv.schema-dir>/<table>.sql}, or one shipped in the jar. */
    boolean hasSchemaFile(SqlIdentifier table) {
        String fileName = table.name() + ".sql";
        return Files.isRegularFile(schemaDir.resolve(fileName))
                || TableCatalog.class.getClassLoader().getResource("schema/" + fileName) != null;
    }

    /** Where the explicit schema of the table is looked up first, for messages. */
    Path schemaFile(SqlIdentifier table) {
        return schemaDir.resolve(table.name() + ".sql");
    }

    private Optional<String> explicitSchema(SqlIdentifier table) {
        String fileName = table.name() + ".sql";
        try {
            Path file = schemaDir.resolve(fileName);
            if (Files.isRegularFile(file)) {
                return Optional.of(Files.readString(file, StandardCharsets.UTF_8));
            }
            try (InputStream in = TableCatalog.class.getClassLoader().getResourceAsStream("schema/" + fileName)) {
                return in == null ? Optional.empty() : Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read schema/" + fileName + ": " + e.getMessage(), e);
        }
    }

    private String inferredDdl(SqlIdentifier table, List<String> header, List<CsvRow> sample) {
        StringJoiner columns = new StringJoiner(", ");
        for (int i = 0; i < header.size(); i++) {
            List<String> values = new ArrayList<>(sample.size());
            for (CsvRow row : sample) {
                if (row.values().length == header.size()) {
                    values.add(row.values()[i]);
                }
            }
            ColumnType type = TypeInference.infer(values);
            String name = header.get(i);
            if (name.equals("id")) {
                columns.add("\"id\" " + (type == ColumnType.BIGINT || type == ColumnType.UUID_TYPE ? type.sqlName() : "text")
                        + " PRIMARY KEY");
            } else {
                columns.add(new SqlIdentifier(name).quoted() + " " + type.sqlName());
            }
        }
        // no IF NOT EXISTS: a table someone else created since the lookup must not be taken as the import's own
        return "CREATE TABLE " + schema.quoted() + "." + table.quoted() + " (" + columns + ")";
    }
}
