package org.cdcpipeline.aggregate;

import java.sql.SQLException;

/**
 * One aggregate of this run as {@link AggregateStats}, the metrics and the lag monitor see it: its definition, its
 * progress, why a batch waits, and its snapshots. The route's steps are its parts ({@link RowChanges},
 * {@link InFlightChanges}, {@link AggregateStateWriter}, {@link AggregateOffsetRepository}), built by the template.
 */
public final class Aggregate {

    private final AggregateStore store;
    private final AggregateDefinition definition;
    private final InFlightChanges inFlight;
    private final AggregateStateWriter writer;
    private final SnapshotBookkeeping snapshots;

    public Aggregate(AggregateStats stats, AggregateStore store, AggregateDefinition definition, InFlightChanges inFlight,
                     AggregateStateWriter writer) {
        this.store = store;
        this.definition = definition;
        this.inFlight = inFlight;
        this.writer = writer;
        this.snapshots = new SnapshotBookkeeping(writer::batchesApplied);
        stats.register(this);
    }

    public String name() {
        return definition.name();
    }

    public String topic() {
        return definition.topic();
    }

    /** Changes this aggregate has finished with in this run: applied to its state (with the records dead-lettered among them). */
    public long applied() {
        return inFlight.finished();
    }

    /** Changes read but not applied yet. */
    public long pending() {
        return inFlight.pending();
    }

    /** The error of the batch that waits to be applied, or null when the last batch was applied. */
    public AggregateStateWriter.ApplyFailure failure() {
        return writer.failure();
    }

    /** The last offset applied on a partition of the aggregate's topic; null when none was. */
    public Long lastOffset(int partition) throws SQLException {
        return store.lastOffset(definition.name(), definition.topic(), partition);
    }

    public AggregateSnapshot snapshot() throws SQLException {
        return store.current(definition);
    }

    /** The current snapshot if a batch was applied since the last one written (or none was yet), else null. */
    AggregateSnapshot snapshotIfChanged() throws SQLException {
        return snapshots.take() ? snapshot() : null;
    }

    /** Batches were applied that no snapshot written covers yet. */
    boolean snapshotOutdated() {
        return snapshots.outdated();
    }

    /** The snapshot taken last is stored. */
    void snapshotWritten() {
        snapshots.written();
    }
}
