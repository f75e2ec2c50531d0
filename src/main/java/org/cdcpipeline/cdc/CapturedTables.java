package org.cdcpipeline.cdc;

import static org.cdcpipeline.SqlIdentifiers.quote;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.cdcpipeline.SetupLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the publication listing exactly the tables capture follows: every table matching cdc.tables, plus Debezium's
 * signal table. A table that joins while capture runs (a new CSV file, a table created with psql, a name added to
 * cdc.tables) is added to the publication, so its changes from then on are streamed; if it already holds rows, an
 * incremental snapshot of them is requested through the signal table, so they are published too, without a restart.
 */
public final class CapturedTables {

    private static final Logger LOG = LoggerFactory.getLogger(CapturedTables.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TABLES_SQL = """
            SELECT table_schema, table_name FROM information_schema.tables
             WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')""";
    private static final String PUBLISHED_SQL =
            "SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = ?";

    private final DataSource dataSource;
    private final boolean enabled;
    private final String publication;
    private final List<Pattern> include;
    private final TableId signalTable;
    private final String slot;
    private final boolean snapshotJoiningTables;
    private final BooleanSupplier restartCapture;
    private final String heartbeatQuery;

    /**
     * @param includeList    Debezium's table.include.list: comma-separated regular expressions of {@code schema.table}
     * @param signalTable    Debezium's signal.data.collection, {@code schema.table}
     * @param slot           the replication slot: once it exists, Debezium's initial snapshot has its tables, and a
     *                       table joining later needs a snapshot of its own
     * @param snapshotMode   Debezium's snapshot.mode: with no_data (or never) no rows are published but changes
     * @param restartCapture stops and starts the capture route if it runs in this instance; false when it does not
     * @param heartbeatQuery Debezium's heartbeat.action.query (cdc.heartbeat-query); empty: none
     */
    public CapturedTables(DataSource dataSource, boolean enabled, String publication, String includeList,
                          String signalTable, String slot, String snapshotMode, BooleanSupplier restartCapture,
                          String heartbeatQuery) {
        this.dataSource = dataSource;
        this.enabled = enabled;
        this.publication = publication;
        this.include = patterns(includeList);
        this.signalTable = TableId.parse(signalTable);
        this.slot = slot;
        this.snapshotJoiningTables = !Set.of("no_data", "never").contains(snapshotMode);
        this.restartCapture = restartCapture;
        this.heartbeatQuery = heartbeatQuery;
    }

    /**
     * At start, before capture: creates the signal table, brings the publication up to date, and runs the heartbeat
     * query once, so that Debezium, which sends heartbeats only after it has read a message, sends them (and lets the
     * slot advance) even while no captured table changes.
     */
    public void prepare() throws SQLException {
        if (!enabled) {
            return;
        }
        SetupLock.inTransaction(dataSource, c -> {
            try (Statement st = c.createStatement()) {
                st.execute("CREATE SCHEMA IF NOT EXISTS " + quote(signalTable.schema()));
                st.execute("CREATE TABLE IF NOT EXISTS " + signalTable.quoted()
                        + " (id varchar(64) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))");
            }
        });
        update(false);
        if (!heartbeatQuery.isBlank()) {
            try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
                st.execute(heartbeatQuery);
            }
        }
    }

    /**
     * Brings the publication up to date with the tables that exist now, while capture runs; called periodically and
     * right after the CSV import creates a table. A failure (PostgreSQL unreachable) is logged and left for the next
     * call: nothing is changed until the table has joined completely.
     */
    public synchronized void sync() {
        if (!enabled) {
            return;
        }
        try {
            update(true);
        } catch (SQLException | RuntimeException e) {
            LOG.warn("Could not update the tables of publication {} now ({}); trying again later", publication, e.getMessage());
        }
    }

    private synchronized void update(boolean captureRunning) throws SQLException {
        while (!tryUpdate(captureRunning)) {
            LOG.info("Another instance changed publication {} meanwhile; looking at its tables again", publication);
        }
    }

    /** False when another instance changed the publication between the look at it and the change. */
    private boolean tryUpdate(boolean captureRunning) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            Set<TableId> wanted = wantedTables(c, include, signalTable);
            Set<TableId> published = publishedTables(c, publication);
            boolean exists = publicationExists(c, publication);
            Set<TableId> joining = new LinkedHashSet<>(wanted);
            joining.removeAll(published);
            Set<TableId> leaving = new LinkedHashSet<>(published);
            leaving.removeAll(wanted);
            if (exists && joining.isEmpty() && leaving.isEmpty()) {
                return true;
            }
            // once the slot exists, Debezium's initial snapshot has its tables: a table joining later that already holds
            // rows needs an incremental snapshot of its own
            boolean snapshot = snapshotJoiningTables && slotExists(c);
            Set<TableId> toSnapshot = new LinkedHashSet<>();
            if (snapshot) {
                for (TableId t : joining) {
                    if (!t.equals(signalTable) && hasRows(c, t)) {
                        toSnapshot.add(t);
                    }
                }
            }
            if (captureRunning && !toSnapshot.isEmpty()) {
                // Debezium learns a table's columns at its start or from the table's first streamed change; an
                // incremental snapshot of a table it has not seen yet fails (Debezium issue dbz#1540)
                if (restartCapture.getAsBoolean()) {
                    LOG.info("Restarted capture so that it knows the columns of {}", toSnapshot);
                } else {
                    // a standby: the instance that captures adds them, restarting its capture
                    joining.removeAll(toSnapshot);
                    toSnapshot.clear();
                    if (exists && joining.isEmpty() && leaving.isEmpty()) {
                        return true;
                    }
                }
            }
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                // one instance at a time changes the publication, each after seeing the last one's change
                SetupLock.take(c);
                if (publicationExists(c, publication) != exists || !publishedTables(c, publication).equals(published)) {
                    c.rollback();
                    c.setAutoCommit(true);
                    return false;
                }
                st.execute("SET LOCAL lock_timeout = '30s'");
                // a transaction still writing to a joining table commits first: its rows are then either in the
                // snapshot or streamed, never in neither
                for (TableId t : joining) {
                    st.execute("LOCK TABLE " + t.quoted() + " IN SHARE MODE");
                }
                if (snapshot) {
                    for (java.util.Iterator<TableId> it = joining.iterator(); it.hasNext(); ) {
                        TableId t = it.next();
                        if (!t.equals(signalTable) && !toSnapshot.contains(t) && hasRows(c, t)) {
                            // rows arrived since the check above: join in the next round, with a snapshot
                            it.remove();
                        }
                    }
                }
                if (!exists) {
                    st.execute("CREATE PUBLICATION " + quote(publication) + " FOR TABLE " + list(joining));
                } else {
                    if (!joining.isEmpty()) {
                        st.execute("ALTER PUBLICATION " + quote(publication) + " ADD TABLE " + list(joining));
                    }
                    if (!leaving.isEmpty()) {
                        st.execute("ALTER PUBLICATION " + quote(publication) + " DROP TABLE " + list(leaving));
                    }
                }
                if (!toSnapshot.isEmpty()) {
                    requestSnapshot(c, toSnapshot);
                }
            }
            c.commit();
            c.setAutoCommit(true);
            leaving.forEach(t -> LOG.info("Table {} no longer matches cdc.tables: its changes are not captured any more", t));
            joining.remove(signalTable);
            for (TableId t : joining) {
                LOG.info(toSnapshot.contains(t) ? "Capturing table {}: its rows are published by an incremental snapshot"
                        : "Capturing table {}", t);
            }
            return true;
        }
    }

    /** Asks Debezium, through the signal table, for an incremental snapshot of the given tables. */
    private void requestSnapshot(Connection c, Set<TableId> tables) throws SQLException {
        List<String> names = tables.stream().map(TableId::toString).toList();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + signalTable.quoted() + " (id, type, data) VALUES (?, 'execute-snapshot', ?)")) {
            ps.setString(1, UUID.randomUUID().toString());
            ps.setString(2, JSON.writeValueAsString(Map.of("data-collections", names, "type", "incremental")));
            ps.executeUpdate();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether the table holds a row: a table without any needs no snapshot, and has no topic yet. */
    public static boolean hasRows(Connection c, TableId t) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT EXISTS (SELECT 1 FROM " + t.quoted() + ")")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    /**
     * The tables the publication must hold: every table matching {@code includeList} (cdc.tables), plus the signal
     * table (cdc.signal-table).
     */
    public static Set<TableId> wantedTables(Connection c, String includeList, String signalTable) throws SQLException {
        return wantedTables(c, patterns(includeList), TableId.parse(signalTable));
    }

    /**
     * Whether capture follows the table: it matches {@code includeList} (cdc.tables) or is the signal table. Unlike
     * {@link #wantedTables}, this also answers for tables the connected role cannot see.
     */
    public static boolean captures(String includeList, String signalTable, TableId table) {
        return table.equals(TableId.parse(signalTable))
                || patterns(includeList).stream().anyMatch(p -> p.matcher(table.toString()).matches());
    }

    private static List<Pattern> patterns(String includeList) {
        return Arrays.stream(includeList.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .map(s -> Pattern.compile(s, Pattern.CASE_INSENSITIVE)).toList();
    }

    private static Set<TableId> wantedTables(Connection c, List<Pattern> include, TableId signalTable) throws SQLException {
        Set<TableId> tables = new LinkedHashSet<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(TABLES_SQL)) {
            while (rs.next()) {
                TableId t = new TableId(rs.getString(1), rs.getString(2));
                if (t.equals(signalTable) || include.stream().anyMatch(p -> p.matcher(t.toString()).matches())) {
                    tables.add(t);
                }
            }
        }
        return tables;
    }

    /** The tables the publication holds now. */
    public static Set<TableId> publishedTables(Connection c, String publication) throws SQLException {
        Set<TableId> tables = new LinkedHashSet<>();
        try (PreparedStatement ps = c.prepareStatement(PUBLISHED_SQL)) {
            ps.setString(1, publication);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    tables.add(new TableId(rs.getString(1), rs.getString(2)));
                }
            }
        }
        return tables;
    }

    /** Whether the publication exists (with or without tables). */
    public static boolean publicationExists(Connection c, String publication) throws SQLException {
        return exists(c, "SELECT 1 FROM pg_publication WHERE pubname = ?", publication);
    }

    private boolean slotExists(Connection c) throws SQLException {
        return exists(c, "SELECT 1 FROM pg_replication_slots WHERE slot_name = ?", slot);
    }

    private static boolean exists(Connection c, String sql, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static String list(Set<TableId> tables) {
        return String.join(", ", tables.stream().map(TableId::quoted).toList());
    }

    /** A table as Debezium names it: {@code schema.table}. */
    public record TableId(String schema, String table) {

        public static TableId parse(String qualified) {
            int dot = qualified.indexOf('.');
            if (dot <= 0 || dot == qualified.length() - 1) {
                throw new IllegalArgumentException("'" + qualified + "' is not a table name of the form schema.table");
            }
            return new TableId(qualified.substring(0, dot), qualified.substring(dot + 1));
        }

        public String quoted() {
            return quote(schema) + "." + quote(table);
        }

        @Override
        public String toString() {
            return schema + "." + table;
        }
    }
}
