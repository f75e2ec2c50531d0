package org.cdcpipeline.aggregate;

import static org.cdcpipeline.SqlIdentifiers.quote;
import static org.cdcpipeline.Transactions.rollback;

import java.math.BigDecimal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.cdcpipeline.SetupLock;

/**
 * The aggregates' state in PostgreSQL: for every source row its current contribution (group, value, or deleted), and
 * for every topic-partition the last Kafka offset applied, with the commit time and LSN of the newest change applied
 * there. A batch of changes and the offsets it covers are written in one transaction, so after any crash the state and
 * the position to resume from agree. A row's contribution is replaced only by a later change of that row, so applying
 * a change twice, or late, changes nothing.
 */
public final class AggregateStore {

    /**
     * The rows of an aggregate's joined table are kept under its name and this suffix (a name cannot hold a slash), so
     * its own rows and the joined ones are each one range of the primary key.
     */
    static final String JOINED = "/join";

    private final DataSource dataSource;
    // a row moves only forward in its partition; a change from another partition (the topic was repartitioned) wins
    private static final String UPSERT = "ON CONFLICT (aggregate, row_key) DO UPDATE SET group_key = EXCLUDED.group_key, "
            + "value = EXCLUDED.value, deleted = EXCLUDED.deleted, kafka_partition = EXCLUDED.kafka_partition, "
            + "kafka_offset = EXCLUDED.kafka_offset, "
            // a tombstone has neither commit time nor LSN: the delete's stay
            + "source_ts_ms = GREATEST(r.source_ts_ms, EXCLUDED.source_ts_ms), lsn = COALESCE(EXCLUDED.lsn, r.lsn) "
            + "WHERE r.kafka_partition <> EXCLUDED.kafka_partition OR r.kafka_offset < EXCLUDED.kafka_offset";
    private static final String UNIQUE_VIOLATION = "23505";

    private final String rows;
    private final String offsets;

    public AggregateStore(DataSource dataSource, String schema) {
        this.dataSource = dataSource;
        String quotedSchema = quote(schema);
        this.rows = quotedSchema + ".aggregate_rows";
        this.offsets = quotedSchema + ".aggregate_offsets";
    }

    /** Creates the state tables unless they exist. */
    public void createTables() throws SQLException {
        SetupLock.inTransaction(dataSource, c -> createTables(c));
    }

    private void createTables(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA IF NOT EXISTS " + rows.substring(0, rows.lastIndexOf('.')));
            st.execute("CREATE TABLE IF NOT EXISTS " + rows + " (aggregate text NOT NULL, row_key text NOT NULL, "
                    + "group_key text, value numeric, deleted boolean NOT NULL, kafka_partition integer NOT NULL, "
                    + "kafka_offset bigint NOT NULL, source_ts_ms bigint NOT NULL, lsn bigint, "
                    + "PRIMARY KEY (aggregate, row_key))");
            st.execute("CREATE TABLE IF NOT EXISTS " + offsets + " (aggregate text NOT NULL, topic text NOT NULL, "
                    + "kafka_partition integer NOT NULL, last_offset bigint NOT NULL, "
                    + "PRIMARY KEY (aggregate, topic, kafka_partition))");
            // the snapshot's "as of": kept with the position, since a row's own commit time is replaced by a tombstone,
            // and a change that moved no row (a replay) is included all the same
            st.execute("ALTER TABLE " + offsets + " ADD COLUMN IF NOT EXISTS commit_ts_ms bigint, "
                    + "ADD COLUMN IF NOT EXISTS lsn bigint");
        }
    }

    /**
     * Applies a batch of changes and records the offsets it covers, in one transaction. Records that went to the
     * dead-letter topic ({@link RowChange#changesARow()} false) move the offsets only.
     */
    public void apply(String aggregate, List<RowChange> changes) throws SQLException {
        // the last change of each row wins (Kafka keeps one row's changes in order); a tombstone keeps the commit time
        // and LSN of the delete it follows
        Map<String, RowChange> latest = new LinkedHashMap<>();
        Map<String, Position> positions = new LinkedHashMap<>();
        for (RowChange change : changes) {
            if (change.changesARow()) {
                latest.merge(change.rowKey(), change, AggregateStore::later);
            }
            positions.merge(change.topic() + "/" + change.partition(), Position.of(change), Position::max);
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                writeRows(c, aggregate, latest.values());
                saveOffsets(c, aggregate, positions.values());
                c.commit();
            } catch (SQLException | RuntimeException e) {
                rollback(c, e);
                throw e;
            }
        }
    }

    /**
     * Rows the batch created are inserted as they are: an upsert costs PostgreSQL twice a plain insert (a speculative
     * insertion, confirmed), and a bulk load is nearly all new rows. Should one of them have state all the same (the
     * initial snapshot read again, another instance that applied it first), the insert fails as a whole and every row
     * is upserted instead.
     */
    private void writeRows(Connection c, String aggregate, Collection<RowChange> changes) throws SQLException {
        List<RowChange> created = new ArrayList<>();
        List<RowChange> changed = new ArrayList<>();
        for (RowChange change : changes) {
            (change.created() ? created : changed).add(change);
        }
        if (!created.isEmpty() && !insertNew(c, aggregate, created)) {
            changed.addAll(created);
        }
        if (!changed.isEmpty()) {
            insert(c, aggregate, changed, UPSERT);
        }
    }

    /** Inserts rows that have no state yet; false, having inserted none, when one of them has. */
    private boolean insertNew(Connection c, String aggregate, Collection<RowChange> changes) throws SQLException {
        Savepoint beforeInsert = c.setSavepoint();
        try {
            insert(c, aggregate, changes, "");
            c.releaseSavepoint(beforeInsert);
            return true;
        } catch (SQLException e) {
            if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                throw e;
            }
            c.rollback(beforeInsert);
            return false;
        }
    }

    private static RowChange later(RowChange earlier, RowChange later) {
        if (later.lsn() == null && later.deleted() && earlier.deleted() && earlier.lsn() != null) {
            return new RowChange(later.rowKey(), null, null, true, earlier.created(), later.topic(), later.partition(),
                    later.offset(), earlier.sourceTsMs(), earlier.lsn());
        }
        // a row the batch created has no state before it, whatever changed it next
        if (earlier.created() && !later.created()) {
            return new RowChange(later.rowKey(), later.group(), later.value(), later.deleted(), true, later.topic(),
                    later.partition(), later.offset(), later.sourceTsMs(), later.lsn());
        }
        return later;
    }

    /** How far a batch goes on one topic-partition: its last offset, newest commit time and LSN (null if none). */
    private record Position(String topic, int partition, long offset, Long commitTsMs, Long lsn) {

        static Position of(RowChange change) {
            return new Position(change.topic(), change.partition(), change.offset(),
                    change.sourceTsMs() > 0 ? change.sourceTsMs() : null, change.lsn());
        }

        static Position max(Position a, Position b) {
            return new Position(a.topic, a.partition, Math.max(a.offset, b.offset), greatest(a.commitTsMs, b.commitTsMs),
                    greatest(a.lsn, b.lsn));
        }

        private static Long greatest(Long a, Long b) {
            return a == null ? b : b == null ? a : Long.valueOf(Math.max(a, b));
        }
    }

    /** Writes the rows' state with one INSERT, followed by {@code conflict} (empty, or {@link #UPSERT}). */
    private void insert(Connection c, String aggregate, Collection<RowChange> changes, String conflict)
            throws SQLException {
        int n = changes.size();
        String[] aggregates = new String[n];
        String[] keys = new String[n];
        String[] groups = new String[n];
        BigDecimal[] values = new BigDecimal[n];
        Boolean[] deleted = new Boolean[n];
        Integer[] partitions = new Integer[n];
        Long[] offsetsOf = new Long[n];
        Long[] timestamps = new Long[n];
        Long[] lsns = new Long[n];
        int i = 0;
        for (RowChange ch : changes) {
            boolean joined = ch.rowKey().startsWith(RowChanges.JOINED_ROW);
            aggregates[i] = joined ? aggregate + JOINED : aggregate;
            keys[i] = joined ? ch.rowKey().substring(RowChanges.JOINED_ROW.length()) : ch.rowKey();
            groups[i] = ch.group();
            values[i] = ch.value();
            deleted[i] = ch.deleted();
            partitions[i] = ch.partition();
            offsetsOf[i] = ch.offset();
            timestamps[i] = ch.sourceTsMs();
            lsns[i] = ch.lsn();
            i++;
        }
        String sql = "INSERT INTO " + rows + " AS r (aggregate, row_key, group_key, value, deleted, kafka_partition, "
                + "kafka_offset, source_ts_ms, lsn) SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::numeric[], "
                + "?::boolean[], ?::integer[], ?::bigint[], ?::bigint[], ?::bigint[]) " + conflict;
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setArray(1, c.createArrayOf("text", aggregates));
            ps.setArray(2, c.createArrayOf("text", keys));
            ps.setArray(3, c.createArrayOf("text", groups));
            ps.setArray(4, c.createArrayOf("numeric", values));
            ps.setArray(5, c.createArrayOf("boolean", deleted));
            ps.setArray(6, c.createArrayOf("integer", partitions));
            ps.setArray(7, c.createArrayOf("bigint", offsetsOf));
            ps.setArray(8, c.createArrayOf("bigint", timestamps));
            ps.setArray(9, c.createArrayOf("bigint", lsns));
            ps.executeUpdate();
        }
    }

    private void saveOffsets(Connection c, String aggregate, Collection<Position> positions) throws SQLException {
        // GREATEST ignores NULLs: a batch without commit time (tombstones, dead letters) keeps the one saved
        String sql = "INSERT INTO " + offsets + " AS o (aggregate, topic, kafka_partition, last_offset, commit_ts_ms, lsn) "
                + "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (aggregate, topic, kafka_partition) DO UPDATE SET "
                + "last_offset = GREATEST(o.last_offset, EXCLUDED.last_offset), "
                + "commit_ts_ms = GREATEST(o.commit_ts_ms, EXCLUDED.commit_ts_ms), lsn = GREATEST(o.lsn, EXCLUDED.lsn)";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (Position p : positions) {
                ps.setString(1, aggregate);
                ps.setString(2, p.topic());
                ps.setInt(3, p.partition());
                ps.setLong(4, p.offset());
                ps.setObject(5, p.commitTsMs(), Types.BIGINT);
                ps.setObject(6, p.lsn(), Types.BIGINT);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** The last offset applied for this aggregate on a topic-partition; null when none was. */
    public Long lastOffset(String aggregate, String topic, int partition) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT last_offset FROM " + offsets + " WHERE aggregate = ? AND topic = ? AND kafka_partition = ?")) {
            ps.setString(1, aggregate);
            ps.setString(2, topic);
            ps.setInt(3, partition);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        }
    }

    /**
     * The complete current aggregate, one row per group, with its columns typed after the source table's columns as
     * PostgreSQL's catalog gives them now (text and double when the table or column is not found).
     */
    public AggregateSnapshot current(AggregateDefinition definition) throws SQLException {
        String aggregate = definition.name();
        String sql = definition.function() == AggregateFunction.MIRROR
                // a mirror's rows are its groups: here only their count (MirrorSnapshot reads them)
                ? "SELECT NULL, NULL::numeric, count(*) FROM " + rows + " WHERE aggregate = ? AND NOT deleted"
                : definition.join() == null
                ? "SELECT group_key, " + definition.function().sql("value") + ", count(*) FROM " + rows
                        + " WHERE aggregate = ? AND NOT deleted GROUP BY group_key"
                // a row of the table is in the group of the joined row its join column points to, NULL when there is
                // none (not captured yet, or deleted): a change on either side moves it at the next snapshot; one
                // look-up by primary key per row of the table, whatever the size of the joined one
                : "SELECT j.group_key, " + definition.function().sql("r.value") + ", count(*) FROM " + rows + " r LEFT JOIN "
                        + rows + " j ON j.aggregate = r.aggregate || '" + JOINED + "' AND j.row_key = r.group_key "
                        + "AND NOT j.deleted WHERE r.aggregate = ? AND NOT r.deleted GROUP BY j.group_key";
        List<AggregateSnapshot.Group> groups = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            // one snapshot of the table for the groups and their as-of position
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, aggregate);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        groups.add(new AggregateSnapshot.Group(rs.getString(1), rs.getBigDecimal(2), rs.getLong(3)));
                    }
                }
            }
            AggregateSnapshot.Columns columns = columns(c, definition);
            AsOf asOf = asOf(c, aggregate);
            c.commit();
            return new AggregateSnapshot(aggregate, columns, groups, asOf.commitTsMs(), asOf.lsn());
        }
    }

    /** The newest change a state includes: its commit time (0 when none) and LSN (null when unknown). */
    record AsOf(long commitTsMs, Long lsn) {
    }

    /**
     * The newest change applied, as saved with the offsets; read in the transaction that reads the state, so both
     * agree. Only for state written before the offsets held it (none of its batches applied since) is it the newest a
     * row keeps: COALESCE evaluates that scan of all the aggregate's rows only then, not at every snapshot.
     */
    private AsOf asOf(Connection c, String aggregate) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE((SELECT max(commit_ts_ms) FROM " + offsets
                + " WHERE aggregate = ?), (SELECT max(source_ts_ms) FROM " + rows + " WHERE aggregate = ?)), "
                + "COALESCE((SELECT max(lsn) FROM " + offsets + " WHERE aggregate = ?), (SELECT max(lsn) FROM " + rows
                + " WHERE aggregate = ?))")) {
            for (int i = 1; i <= 4; i++) {
                ps.setString(i, aggregate);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long ts = rs.getLong(1);
                long lsn = rs.getLong(2);
                return new AsOf(ts, rs.wasNull() ? null : lsn);
            }
        }
    }

    /**
     * A mirror's rows as of one position, to be read while they are written out: a repeatable-read transaction gives
     * its as-of, its table's columns, and its current rows (JSON images, in primary-key order) fetched
     * {@code fetchSize} at a time. Closing it ends the transaction.
     */
    MirrorRows mirrorRows(AggregateDefinition definition, int fetchSize) throws SQLException {
        Connection c = dataSource.getConnection();
        try {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            AsOf asOf = asOf(c, definition.name());
            Map<String, ColumnType> columns = columnTypes(c, definition.schema(), definition.table());
            PreparedStatement ps = c.prepareStatement("SELECT group_key FROM " + rows
                    + " WHERE aggregate = ? AND NOT deleted ORDER BY row_key");
            ps.setFetchSize(fetchSize);
            ps.setString(1, definition.name());
            return new MirrorRows(c, asOf, columns, ps.executeQuery());
        } catch (SQLException | RuntimeException e) {
            rollback(c, e);
            c.close();
            throw e;
        }
    }

    /**
     * The first rows of a mirror (JSON images, in primary-key order), its row count, its table's columns and its
     * as-of commit time, read in one transaction: what a page shows of a table without reading all of it.
     */
    public MirrorSample mirrorSample(AggregateDefinition definition, int limit) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            long rowCount;
            List<String> images = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + rows
                    + " WHERE aggregate = ? AND NOT deleted")) {
                ps.setString(1, definition.name());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    rowCount = rs.getLong(1);
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT group_key FROM " + rows
                    + " WHERE aggregate = ? AND NOT deleted ORDER BY row_key LIMIT ?")) {
                ps.setString(1, definition.name());
                ps.setInt(2, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        images.add(rs.getString(1));
                    }
                }
            }
            AsOf asOf = asOf(c, definition.name());
            Map<String, ColumnType> columns = columnTypes(c, definition.schema(), definition.table());
            c.commit();
            return new MirrorSample(rowCount, images, columns, asOf.commitTsMs());
        }
    }

    /** Part of a mirror: its first rows as JSON images, all its rows' count, its table's columns, its as-of. */
    public record MirrorSample(long rows, List<String> images, Map<String, ColumnType> columns, long asOfTsMs) {
    }

    /** A mirror's rows being read: {@code images} gives one JSON image per row. */
    record MirrorRows(Connection connection, AsOf asOf, Map<String, ColumnType> columns, ResultSet images)
            implements AutoCloseable {

        @Override
        public void close() throws SQLException {
            try {
                connection.rollback(); // it only read
            } finally {
                connection.close();
            }
        }
    }

    private static AggregateSnapshot.Columns columns(Connection c, AggregateDefinition definition) throws SQLException {
        Map<String, ColumnType> table = columnTypes(c, definition.schema(), definition.table());
        ColumnType groupType = (definition.join() == null ? table
                : columnTypes(c, definition.schema(), definition.join().table())).getOrDefault(definition.groupBy(), ColumnType.TEXT);
        return new AggregateSnapshot.Columns(definition.function(), definition.groupBy(), groupType, definition.valueName(),
                ColumnType.ofValue(definition.function(), table.getOrDefault(definition.valueColumn(), ColumnType.DOUBLE)),
                table);
    }

    /** A table's columns and their types in its order, from PostgreSQL's catalog; empty when it is not found. */
    private static Map<String, ColumnType> columnTypes(Connection c, String schema, String table) throws SQLException {
        Map<String, ColumnType> columns = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT column_name, udt_name, numeric_precision, numeric_scale "
                + "FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.put(rs.getString(1), ColumnType.ofSql(rs.getString(2), (Integer) rs.getObject(3),
                            (Integer) rs.getObject(4)));
                }
            }
        }
        return columns;
    }
}
