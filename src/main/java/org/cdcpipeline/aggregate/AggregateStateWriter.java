package org.cdcpipeline.aggregate;

import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Applies an aggregate's batches, with the offsets they cover, to the state store in one transaction each, and says
 * why a batch waits when it cannot.
 */
public final class AggregateStateWriter {

    private final AggregateStore store;
    private final String aggregate;
    private final InFlightChanges inFlight;
    private final AtomicLong batchesApplied = new AtomicLong();
    private volatile ApplyFailure failure;

    public AggregateStateWriter(AggregateStore store, AggregateDefinition definition, InFlightChanges inFlight) {
        this.store = store;
        this.aggregate = definition.name();
        this.inFlight = inFlight;
    }

    /**
     * Applies a batch. Whatever the state store answers (unreachable, deadlock, serialization failure, disk full,
     * read-only, statement timeout), the batch is not dropped: the route retries it until it is applied, and
     * {@link #failure()} says why it is not meanwhile.
     *
     * @throws BatchNotAppliedException the batch is not applied: retry the same batch later
     */
    public void apply(List<RowChange> changes) {
        try {
            store.apply(aggregate, changes);
        } catch (SQLException | RuntimeException e) {
            ApplyFailure previous = failure;
            String error = describe(e);
            failure = new ApplyFailure(changes.size(), error, previous == null ? Instant.now() : previous.since(),
                    previous == null ? 1 : previous.attempts() + 1);
            throw new BatchNotAppliedException("Aggregate " + aggregate + " could not apply a batch of " + changes.size()
                    + " changes (" + error + "); the batch is retried", e);
        }
        failure = null;
        batchesApplied.incrementAndGet();
        inFlight.done(changes.size());
    }

    /** The error of the batch that waits to be applied, or null when the last batch was applied. */
    public ApplyFailure failure() {
        return failure;
    }

    /** Batches applied in this run. */
    long batchesApplied() {
        return batchesApplied.get();
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
}
