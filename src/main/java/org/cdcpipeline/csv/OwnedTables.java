package org.cdcpipeline.csv;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import org.cdcpipeline.StartupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tables of csv.schema the CSV import created, recorded in a table of the pipeline's state schema
 * (csv.registry-table) in the transaction that creates each, so they stay the import's own across restarts and for
 * every pipeline that shares the database.
 *
 * <p>Tables created by a version of the pipeline from before the registry have no row. When the registry is created
 * on a database where such a version captured changes (its publication exists), the tables it evidently created are
 * recorded as adopted: those in the publication that have REPLICA IDENTITY FULL (which every version set on the
 * tables it created, and PostgreSQL's default is not) and a unique index on id. This happens once: later tables
 * become the import's own only by being created by it.
 */
public final class OwnedTables {

    private static final Logger LOG = LoggerFactory.getLogger(OwnedTables.class);
    static final String SETTING = "csv.registry-table";

    private static final String ADOPT_SQL = """
            SELECT c.relname FROM pg_publication_tables p
              JOIN pg_namespace n ON n.nspname = p.schemaname
              JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = p.tablename
             WHERE p.pubname = ? AND p.schemaname = ? AND c.relreplident = 'f'
               AND EXISTS (SELECT 1 FROM pg_index i
                             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                            WHERE i.indrelid = c.oid AND i.indisunique AND i.indnkeyatts = 1
                              AND i.indpred IS NULL AND a.attname = 'id')
             ORDER BY c.relname""";

    private final SqlIdentifier registrySchema;
    private final SqlIdentifier registryTable;
    private final SqlIdentifier schema;
    private final String publication;
    private volatile boolean prepared;

    /**
     * @param registryTable csv.registry-table, {@code schema.table}
     * @param schema        csv.schema, where the import creates its tables
     * @param publication   cdc.publication-name: the tables of an earlier version are adopted from it
     */
    public OwnedTables(String registryTable, String schema, String publication) {
        int dot = registryTable.indexOf('.');
        String registrySchema = dot < 0 ? "" : registryTable.substring(0, dot);
        String registryName = dot < 0 ? "" : registryTable.substring(dot + 1);
        if (!SqlIdentifier.isValid(registrySchema) || !SqlIdentifier.isValid(registryName)) {
            throw new StartupException(SETTING + " is '" + registryTable + "': set it to schema.table, both names "
                    + "[a-z_][a-z0-9_]*, e.g. pipeline_state.csv_tables.");
        }
        this.registrySchema = new SqlIdentifier(registrySchema);
        this.registryTable = new SqlIdentifier(registryName);
        this.schema = new SqlIdentifier(schema);
        this.publication = publication;
    }

    /**
     * Creates the registry unless it exists, adopting the tables of an earlier version then; once per process. Runs a
     * transaction of its own, so it must not be called inside another.
     */
    void prepare(Connection connection) throws SQLException {
        if (prepared) {
            return;
        }
        connection.setAutoCommit(false);
        try (Statement st = connection.createStatement()) {
            // two pipelines starting at once: one creates the registry and adopts, the other then finds it
            try (PreparedStatement lock = connection.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
                lock.setString(1, qualifiedName());
                lock.execute();
            }
            if (!exists(connection)) {
                st.execute("CREATE SCHEMA IF NOT EXISTS " + registrySchema.quoted());
                st.execute("CREATE TABLE " + qualifiedName() + " (table_schema text NOT NULL, table_name text NOT NULL, "
                        + "origin text NOT NULL, registered_at timestamptz NOT NULL DEFAULT now(), "
                        + "PRIMARY KEY (table_schema, table_name))");
                st.execute("COMMENT ON TABLE " + qualifiedName() + " IS 'Tables the cdc-pipeline CSV import created "
                        + "(origin created) or took over from an earlier version (origin adopted): it writes into them. "
                        + "Delete a row to take a table back from it.'");
                adoptEarlierTables(connection);
            }
            connection.commit();
        } catch (SQLException e) {
            rollback(connection, e);
            throw e;
        }
        connection.setAutoCommit(true);
        prepared = true;
    }

    /** Records a table the import creates, in the caller's transaction (the one that creates it). */
    void register(Connection connection, SqlIdentifier table) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("INSERT INTO " + qualifiedName()
                + " (table_schema, table_name, origin) VALUES (?, ?, 'created') ON CONFLICT DO NOTHING")) {
            ps.setString(1, schema.name());
            ps.setString(2, table.name());
            ps.executeUpdate();
        }
    }

    /** Whether the import created the table (or adopted it from an earlier version). */
    boolean contains(Connection connection, SqlIdentifier table) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT EXISTS (SELECT 1 FROM " + qualifiedName()
                + " WHERE table_schema = ? AND table_name = ?)")) {
            ps.setString(1, schema.name());
            ps.setString(2, table.name());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    String qualifiedName() {
        return registrySchema.quoted() + "." + registryTable.quoted();
    }

    private boolean exists(Connection connection) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, qualifiedName());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private void adoptEarlierTables(Connection connection) throws SQLException {
        List<String> adopted = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(ADOPT_SQL)) {
            ps.setString(1, publication);
            ps.setString(2, schema.name());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    adopted.add(rs.getString(1));
                }
            }
        }
        try (PreparedStatement ps = connection.prepareStatement("INSERT INTO " + qualifiedName()
                + " (table_schema, table_name, origin) VALUES (?, ?, 'adopted')")) {
            for (String table : adopted) {
                ps.setString(1, schema.name());
                ps.setString(2, table);
                ps.addBatch();
            }
            ps.executeBatch();
        }
        if (!adopted.isEmpty()) {
            LOG.info("The CSV import keeps writing into {} table(s) of {} created by an earlier version of the pipeline "
                            + "(captured by publication {}, REPLICA IDENTITY FULL, unique id): {}; recorded in {}, where "
                            + "deleting a row takes a table back", adopted.size(), schema, publication,
                    String.join(", ", adopted), registrySchema + "." + registryTable);
        }
    }

    private static void rollback(Connection connection, SQLException cause) {
        try {
            connection.rollback();
            connection.setAutoCommit(true);
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }
}
