package org.cdcpipeline.cdc;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.postgresql.ds.PGSimpleDataSource;

/**
 * PostgreSQL's side of the capture role: an advisory lock named after the replication slot, held by the session of the
 * instance that captures, and what the server knows of the others. The session's application name says which instance
 * it is ({@code cdc-pipeline <slot> <host>:<pid>}), so {@code pg_stat_activity} and the doctor list every instance of a
 * slot, and the holder of its lock, without anything else to run.
 */
public final class CaptureLock implements AutoCloseable {

    /** The first key of the advisory lock, the same for every slot: the second is the slot's name, hashed. */
    private static final String LOCK_KEYS = "hashtext('cdc-pipeline capture'), hashtext(?)";
    private static final String LOCK_ROW = "l.locktype = 'advisory' AND l.granted AND l.objsubid = 2"
            + " AND l.classid = hashtext('cdc-pipeline capture')::oid AND l.objid = hashtext(?)::oid"
            + " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())";
    private static final int VALID_TIMEOUT_SECONDS = 5;

    private final PGSimpleDataSource source;
    private final String slot;
    private final String instance;
    private Connection session;

    /**
     * @param source where capture reads from, with the pipeline's credentials; the session's application name is set
     *               here
     */
    public CaptureLock(PGSimpleDataSource source, String slot) {
        this.source = source;
        this.slot = slot;
        this.instance = applicationName(slot);
        source.setApplicationName(instance);
    }

    /** {@code cdc-pipeline <slot> <host>:<pid>}, cut to PostgreSQL's 63 bytes: what pg_stat_activity shows. */
    static String applicationName(String slot) {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "unknown-host";
        }
        String name = prefix(slot) + host + ":" + ProcessHandle.current().pid();
        return name.length() > 63 ? name.substring(0, 63) : name;
    }

    /** What the application name of every instance of this slot starts with. */
    static String prefix(String slot) {
        return "cdc-pipeline " + slot + " ";
    }

    /** This instance as PostgreSQL shows it. */
    public String instance() {
        return instance;
    }

    /** Takes the lock if no session holds it; the session stays open (and the lock held) until {@link #close()}. */
    public synchronized boolean tryAcquire() throws SQLException {
        try (PreparedStatement ps = session().prepareStatement("SELECT pg_try_advisory_lock(" + LOCK_KEYS + ")")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        } catch (SQLException e) {
            close();
            throw e;
        }
    }

    /** Whether the session that took the lock is still there (the server keeps the lock as long as it is). */
    public synchronized boolean sessionAlive() {
        try {
            return session != null && session.isValid(VALID_TIMEOUT_SECONDS);
        } catch (SQLException e) {
            return false;
        }
    }

    /** The instance whose session holds the lock now, as PostgreSQL shows it; empty when none does. */
    public synchronized Optional<String> holder() throws SQLException {
        String sql = "SELECT coalesce(nullif(a.application_name, ''), 'PID ' || l.pid) || coalesce(' from ' || host(a.client_addr), '')"
                + " FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid WHERE " + LOCK_ROW;
        return Optional.ofNullable(first(sql, slot));
    }

    /** The walsender PID reading the slot now, empty when no one does (or the slot does not exist yet). */
    public synchronized Optional<String> slotReader() throws SQLException {
        return Optional.ofNullable(first("SELECT active_pid::text FROM pg_replication_slots WHERE slot_name = ? AND active", slot));
    }

    /**
     * Every instance of {@code slot} connected now, holder first: the application names of the sessions, each marked
     * {@code capturing} or {@code standby}.
     */
    public static List<String> instances(Connection c, String slot) throws SQLException {
        String sql = "SELECT a.application_name || coalesce(' from ' || host(a.client_addr), ''),"
                + " EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND " + LOCK_ROW + ")"
                + " FROM pg_stat_activity a WHERE starts_with(a.application_name, ?) ORDER BY 2 DESC, 1";
        List<String> instances = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, slot);
            ps.setString(2, prefix(slot));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    instances.add(rs.getString(1) + (rs.getBoolean(2) ? " capturing" : " standby"));
                }
            }
        }
        return instances;
    }

    private String first(String sql, String parameter) throws SQLException {
        try (PreparedStatement ps = session().prepareStatement(sql)) {
            ps.setString(1, parameter);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (SQLException e) {
            close();
            throw e;
        }
    }

    private Connection session() throws SQLException {
        if (session == null) {
            session = source.getConnection();
        }
        return session;
    }

    /** Ends the session: the lock, if held, is free for another instance. */
    @Override
    public synchronized void close() {
        if (session != null) {
            try {
                session.close();
            } catch (SQLException e) {
                // the session is gone either way
            }
            session = null;
        }
    }

    /** A data source for the lock's session: the pipeline's PostgreSQL, with timeouts, so a lost server ends a check. */
    public static PGSimpleDataSource source(String host, int port, String db, String user, String password,
                                            int timeoutSeconds) {
        PGSimpleDataSource source = new PGSimpleDataSource();
        source.setServerNames(new String[] {host});
        source.setPortNumbers(new int[] {port});
        source.setDatabaseName(db);
        source.setUser(user);
        source.setPassword(password);
        source.setConnectTimeout(timeoutSeconds);
        source.setSocketTimeout(timeoutSeconds);
        source.setTcpKeepAlive(true);
        return source;
    }
}
