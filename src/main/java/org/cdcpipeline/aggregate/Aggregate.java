package org.cdcpipeline.aggregate;

import java.sql.SQLException;
import java.util.List;

import org.apache.camel.spi.StateRepository;
import org.cdcpipeline.PostgresDataSource;
import org.apache.camel.support.service.ServiceSupport;

/**
 * One aggregate defined in YAML (a route made from the {@code aggregate} template): its validated definition, the
 * steps of its route, and, as camel-kafka's offset repository, the position its consumer resumes from on every
 * partition assignment, which is the one committed with the state.
 */
public final class Aggregate extends ServiceSupport implements StateRepository<String, String> {

    private final AggregateStore store;
    private final RowChanges rowChanges = new RowChanges();
    private final String name;
    private final String topic;
    private final String groupBy;
    private final AggregateFunction function;
    private final String valueColumn;
    private final int capacity;
    private long handedOver;
    private long applied;
    /** batches applied, and how many of them the last snapshot written covers (-1: none written by this run) */
    private final java.util.concurrent.atomic.AtomicLong batches = new java.util.concurrent.atomic.AtomicLong();
    private volatile long snapshotBatches = -1;
    private volatile long takenBatches = -1;

    /**
     * @param capacity changes read but not yet applied at most: the consumer waits beyond that (state store slow)
     */
    public Aggregate(AggregateStore store, AggregateStats stats, String name, String topic, String groupBy, String function,
                     String valueColumn, int capacity) {
        this.store = store;
        this.name = require(name, "name");
        this.topic = topic;
        this.groupBy = require(groupBy, "groupBy");
        this.function = AggregateFunction.parse(function);
        this.valueColumn = valueColumn == null ? "" : valueColumn.trim();
        if (this.function.needsValueColumn() && this.valueColumn.isEmpty()) {
            throw new IllegalArgumentException("Aggregate " + name + ": " + function + " needs a value column (parameter value)");
        }
        this.capacity = capacity;
        stats.register(this);
    }

    private static String require(String value, String parameter) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("Aggregate parameter " + parameter + " is missing");
        }
        return value.trim();
    }

    /** A change enters the route; waits while {@code capacity} changes wait to be applied. */
    public synchronized void handOver() throws InterruptedException {
        while (handedOver - applied >= capacity) {
            wait();
        }
        handedOver++;
    }

    public RowChange read(byte[] key, byte[] value, String topic, int partition, long offset) {
        return rowChanges.read(key, value, topic, partition, offset, groupBy, valueColumn);
    }

    /**
     * Applies a batch, with the offsets it covers, in one transaction.
     *
     * @throws StateStoreUnavailableException the state store cannot be reached: retry the same batch later
     */
    public void apply(List<RowChange> changes) {
        try {
            store.apply(name, changes);
        } catch (SQLException e) {
            if (PostgresDataSource.isUnavailable(e)) {
                throw new StateStoreUnavailableException("The state store of aggregate " + name + " is unavailable ("
                        + e.getMessage() + "); the batch is retried", e);
            }
            done(changes.size());
            throw new IllegalStateException("Aggregate " + name + " could not apply a batch of " + changes.size()
                    + " changes: " + e.getMessage(), e);
        }
        batches.incrementAndGet();
        done(changes.size());
    }

    /** A batch left the route another way (the dead-letter topic): its changes no longer wait. */
    public synchronized void done(int changes) {
        applied += changes;
        notifyAll();
    }

    public AggregateSnapshot snapshot() throws SQLException {
        return store.current(name, function);
    }

    /** The current snapshot if a batch was applied since the last one written (or none was yet), else null. */
    AggregateSnapshot snapshotIfChanged() throws SQLException {
        long now = batches.get();
        if (now == snapshotBatches) {
            return null;
        }
        AggregateSnapshot snapshot = snapshot();
        takenBatches = now;
        return snapshot;
    }

    /** Batches were applied that no snapshot written covers yet. */
    boolean snapshotOutdated() {
        return batches.get() != snapshotBatches;
    }

    /** The snapshot taken last is stored: the next one is due after the next batch. */
    void snapshotWritten() {
        snapshotBatches = takenBatches;
    }

    public String name() {
        return name;
    }

    public String topic() {
        return topic;
    }

    /** Changes this aggregate has finished with in this run: applied to its state, or sent to the dead-letter topic. */
    public synchronized long applied() {
        return applied;
    }

    /** Changes read but not applied yet. */
    public synchronized long pending() {
        return handedOver - applied;
    }

    /** The last offset applied on a partition of the aggregate's topic; null when none was. */
    public Long lastOffset(int partition) throws SQLException {
        return store.lastOffset(name, topic, partition);
    }

    /** Where the consumer resumes: the last offset applied with the state ({@code topic/partition} keys). */
    @Override
    public String getState(String topicPartition) {
        int slash = topicPartition.lastIndexOf('/');
        try {
            Long last = store.lastOffset(name, topicPartition.substring(0, slash),
                    Integer.parseInt(topicPartition.substring(slash + 1)));
            return last == null ? null : last.toString();
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read where aggregate " + name + " resumes on " + topicPartition
                    + ": " + e.getMessage(), e);
        }
    }

    /** Offsets are saved with the state they cover ({@link #apply}), never on their own. */
    @Override
    public void setState(String topicPartition, String offset) {
    }
}
