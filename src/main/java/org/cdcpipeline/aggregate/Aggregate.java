package org.cdcpipeline.aggregate;

import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.camel.spi.StateRepository;
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
    private final AtomicLong batches = new AtomicLong();
    private volatile long snapshotBatches = -1;
    private volatile long takenBatches = -1;
    private volatile ApplyFailure failure;

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
     * Applies a batch, with the offsets it covers, in one transaction. Whatever the state store answers (unreachable,
     * deadlock, serialization failure, disk full, read-only, statement timeout), the batch is not dropped: the route
     * retries it until it is applied, and {@link #failure()} says why it is not meanwhile.
     *
     * @throws BatchNotAppliedException the batch is not applied: retry the same batch later
     */
    public void apply(List<RowChange> changes) {
        try {
            store.apply(name, changes);
        } catch (SQLException | RuntimeException e) {
            ApplyFailure previous = failure;
            String error = describe(e);
            failure = new ApplyFailure(changes.size(), error, previous == null ? Instant.now() : previous.since(),
                    previous == null ? 1 : previous.attempts() + 1);
            throw new BatchNotAppliedException("Aggregate " + name + " could not apply a batch of " + changes.size()
                    + " changes (" + error + "); the batch is retried", e);
        }
        failure = null;
        batches.incrementAndGet();
        done(changes.size());
    }

    /** The error of the batch that waits to be applied, or null when the last batch was applied. */
    public ApplyFailure failure() {
        return failure;
    }

    /**
     * A batch that could not be applied yet: its size, the last error (with its SQLSTATE), since when and how many
     * attempts failed.
     */
    public record ApplyFailure(int changes, String error, Instant since, int attempts) {
    }

    private static String describe(Exception e) {
        String message = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
        return e instanceof SQLException sql && sql.getSQLState() != null
                ? message + " (SQLSTATE " + sql.getSQLState() + ")" : e.getClass().getSimpleName() + ": " + message;
    }

    /** The changes of a batch no longer wait. */
    private synchronized void done(int changes) {
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

    /** Changes this aggregate has finished with in this run: applied to its state (with the records dead-lettered among them). */
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
