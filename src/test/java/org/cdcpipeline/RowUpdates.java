package org.cdcpipeline;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A steady stream of single-row updates on the shared test PostgreSQL, each its own transaction, at a fixed rate until
 * stopped: a kill or a rebalance falls mid-stream, not before or after a burst.
 */
public final class RowUpdates implements AutoCloseable {

    /** Sets the parameters of the i-th update. */
    @FunctionalInterface
    public interface Parameters {
        void set(PreparedStatement update, long i) throws SQLException;
    }

    private final String sql;
    private final Parameters parameters;
    private final AtomicLong committed = new AtomicLong();
    private ScheduledExecutorService scheduler;
    private Connection connection;
    private PreparedStatement update;

    public RowUpdates(String sql, Parameters parameters) {
        this.sql = sql;
        this.parameters = parameters;
    }

    /** Starts one update every 5 ms. */
    public void start() throws SQLException {
        connection = TestServices.connect();
        update = connection.prepareStatement(sql);
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "row-updates"));
        scheduler.scheduleAtFixedRate(this::next, 0, 5, TimeUnit.MILLISECONDS);
    }

    private void next() {
        try {
            parameters.set(update, committed.get());
            update.executeUpdate();
            committed.incrementAndGet();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public long committed() {
        return committed.get();
    }

    /** Stops the stream once the update in progress has committed. */
    public void stop() throws InterruptedException, SQLException {
        if (scheduler != null) {
            scheduler.shutdown();
            scheduler.awaitTermination(10, TimeUnit.SECONDS);
            connection.close();
            scheduler = null;
        }
    }

    @Override
    public void close() throws InterruptedException, SQLException {
        stop();
    }
}
