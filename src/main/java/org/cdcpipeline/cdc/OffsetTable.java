package org.cdcpipeline.cdc;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import org.cdcpipeline.SqlIdentifiers;

/**
 * Capture's source offsets in a PostgreSQL table, where every instance of the pipeline reads them: the database capture
 * reads from, reached with the connector's own settings ({@code database.*}), so no other credentials are needed. A row
 * per offset key (Debezium's engine name and server), its value as Kafka Connect's offset store writes it. One
 * connection is kept for the saves of a run (one per offset flush), and opened again after a failure.
 */
final class OffsetTable implements AutoCloseable {

    private final String url;
    private final Properties credentials = new Properties();
    private final String table;
    private final String schema;
    private Connection connection;

    /**
     * @param name       {@code schema.table}
     * @param connection the connector's settings: database.hostname, .port, .dbname, .user, .password
     */
    OffsetTable(String name, Map<String, String> connection) {
        int dot = name.indexOf('.');
        if (dot <= 0 || dot == name.length() - 1 || name.indexOf('.', dot + 1) >= 0) {
            throw new IllegalArgumentException("cdc.offsets-table is '" + name + "': name it as schema.table, e.g. "
                    + "pipeline_state.cdc_offsets");
        }
        this.schema = SqlIdentifiers.quote(name.substring(0, dot));
        this.table = schema + "." + SqlIdentifiers.quote(name.substring(dot + 1));
        this.url = "jdbc:postgresql://" + connection.get("database.hostname") + ":"
                + connection.getOrDefault("database.port", "5432") + "/" + connection.get("database.dbname");
        credentials.setProperty("user", connection.getOrDefault("database.user", ""));
        credentials.setProperty("password", connection.getOrDefault("database.password", ""));
        credentials.setProperty("ApplicationName", "cdc-pipeline offsets");
        String sslMode = connection.get("database.sslmode");
        if (sslMode != null && !sslMode.isBlank()) {
            credentials.setProperty("sslmode", sslMode);
        }
    }

    /** Every offset the table holds (none when it is new); creates the table if missing. */
    synchronized Map<ByteBuffer, ByteBuffer> load() throws SQLException {
        Map<ByteBuffer, ByteBuffer> offsets = new HashMap<>();
        Connection c = connection();
        try (Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
            st.execute("CREATE TABLE IF NOT EXISTS " + table + " (offset_key bytea PRIMARY KEY, offset_value bytea, "
                    + "saved_at timestamptz NOT NULL DEFAULT now())");
            try (ResultSet rs = st.executeQuery("SELECT offset_key, offset_value FROM " + table)) {
                while (rs.next()) {
                    byte[] value = rs.getBytes(2);
                    offsets.put(ByteBuffer.wrap(rs.getBytes(1)), value == null ? null : ByteBuffer.wrap(value));
                }
            }
        } catch (SQLException e) {
            close();
            throw e;
        }
        return offsets;
    }

    /** Writes the offsets in one transaction: a reader sees all of them or the ones before. */
    synchronized void save(Map<ByteBuffer, ByteBuffer> offsets) throws SQLException {
        Connection c = connection();
        try {
            c.setAutoCommit(false);
            try (PreparedStatement upsert = c.prepareStatement("INSERT INTO " + table
                    + " (offset_key, offset_value) VALUES (?, ?) ON CONFLICT (offset_key) DO UPDATE SET "
                    + "offset_value = EXCLUDED.offset_value, saved_at = now()")) {
                for (Map.Entry<ByteBuffer, ByteBuffer> e : offsets.entrySet()) {
                    upsert.setBytes(1, bytes(e.getKey()));
                    upsert.setBytes(2, e.getValue() == null ? null : bytes(e.getValue()));
                    upsert.addBatch();
                }
                upsert.executeBatch();
                c.commit();
            }
        } catch (SQLException e) {
            close();
            throw e;
        }
    }

    String name() {
        return table;
    }

    private synchronized Connection connection() throws SQLException {
        if (connection == null) {
            connection = DriverManager.getConnection(url, credentials);
        }
        return connection;
    }

    /** Closes the connection (a failed one, or at stop); the next call opens a new one. */
    @Override
    public synchronized void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // already broken: nothing is left to release
            }
            connection = null;
        }
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
