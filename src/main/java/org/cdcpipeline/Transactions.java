package org.cdcpipeline;

import java.sql.Connection;
import java.sql.SQLException;

/** What the pipeline's transactions share. */
public final class Transactions {

    private Transactions() {
    }

    /**
     * Rolls back after {@code cause}; a connection lost mid-transaction cannot roll back, and then the error that
     * matters is the transaction's: the rollback's is kept only as suppressed by it.
     */
    public static void rollback(Connection connection, Exception cause) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }
}
