package org.cdcpipeline;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import javax.sql.DataSource;

/**
 * Instances of one configuration start together and create the same schemas, tables and publication, while
 * PostgreSQL's {@code CREATE ... IF NOT EXISTS} fails with a unique violation when another session creates the same
 * object at that moment. Such set-up runs in a transaction holding this advisory lock: one instance at a time, each
 * finding what the one before created.
 */
public final class SetupLock {

    /** Set-up statements on the transaction's connection. */
    @FunctionalInterface
    public interface Work {
        void run(Connection connection) throws SQLException;
    }

    private SetupLock() {
    }

    /** Runs {@code work} in a transaction of its own that holds the lock. */
    public static void inTransaction(DataSource dataSource, Work work) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                take(c);
                work.run(c);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                Transactions.rollback(c, e);
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    /** Takes the lock for the rest of the connection's current transaction. */
    public static void take(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SELECT pg_advisory_xact_lock(hashtext('cdc-pipeline set-up'))");
        }
    }
}
