package org.cdcpipeline.aggregate;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;

import org.apache.camel.Exchange;

/**
 * One aggregate of this run as {@link AggregateStats}, the metrics and the lag monitor see it: its definition, its
 * progress, why a batch waits, and its snapshots. The route's steps are its parts ({@link RowChanges},
 * {@link InFlightChanges}, {@link AggregateStateWriter}), built by the template; its table's consumer
 * ({@link AggregateTopics}) resumes where its state says ({@link AggregateTopicOffsets}).
 */
public final class Aggregate {

    private final AggregateStore store;
    private final AggregateDefinition definition;
    private final RowChanges rowChanges;
    private final InFlightChanges inFlight;
    private final AggregateStateWriter writer;
    private final SnapshotBookkeeping snapshots;
    /** Per column of the table, from the latest snapshot taken: for a quality aggregate only. */
    private volatile Map<String, QualityFigures.Figures> quality = Map.of();

    public Aggregate(AggregateStats stats, AggregateStore store, AggregateDefinition definition, RowChanges rowChanges,
                     InFlightChanges inFlight, AggregateStateWriter writer) {
        this.store = store;
        this.definition = definition;
        this.rowChanges = rowChanges;
        this.inFlight = inFlight;
        this.writer = writer;
        this.snapshots = new SnapshotBookkeeping(writer::batchesApplied);
        stats.register(this);
    }

    public String name() {
        return definition.name();
    }

    /** What the aggregate computes, as its route template's parameters gave it. */
    public AggregateDefinition definition() {
        return definition;
    }

    /** The topics the aggregate reads: its table's, and a joined table's. */
    public List<String> topics() {
        return definition.topics();
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

    /** The last offset applied on a partition of one of the aggregate's topics; null when none was. */
    public Long lastOffset(String topic, int partition) throws SQLException {
        return store.lastOffset(definition.name(), topic, partition);
    }

    /**
     * A partition of one of the aggregate's topics is assigned to its table's consumer: the records up to the last
     * offset applied are passed over from now on.
     *
     * @return that offset; null when none was applied
     */
    Long resumeAfterState(String topic, int partition) throws SQLException {
        Long last = lastOffset(topic, partition);
        rowChanges.resumeAfter(topic, partition, last);
        return last;
    }

    /** A poll's records as this aggregate's changes: {@link RowChanges#readAll}. */
    public List<Object> readAll(List<Exchange> records) {
        return rowChanges.readAll(records);
    }

    /** The endpoint of the aggregate's route, to which its tables' consumers hand each poll's records. */
    public String endpoint() {
        return "direct:aggregate-" + definition.name();
    }

    public AggregateSnapshot snapshot() throws SQLException {
        AggregateSnapshot snapshot = store.current(definition);
        if (isQuality()) {
            quality = QualityFigures.of(snapshot);
        }
        return snapshot;
    }

    /** For a mirror: its first {@code limit} rows in primary-key order, its row count and its columns. */
    public AggregateStore.MirrorSample mirrorSample(int limit) throws SQLException {
        return store.mirrorSample(definition, limit);
    }

    /** A data-quality aggregate ({@code function: quality}). */
    public boolean isQuality() {
        return definition.function() == AggregateFunction.QUALITY;
    }

    /** The source table. */
    public String table() {
        return definition.table();
    }

    /** A quality aggregate's figures per column as of its latest snapshot; empty before the first. */
    public Map<String, QualityFigures.Figures> quality() {
        return quality;
    }

    /** A table mirror ({@code function: mirror}): written as a {@link MirrorSnapshot}. */
    public boolean isMirror() {
        return definition.function() == AggregateFunction.MIRROR;
    }

    /** The current snapshot if a batch was applied since the last one written (or none was yet), else null. */
    AggregateSnapshot snapshotIfChanged() throws SQLException {
        return snapshots.take() ? snapshot() : null;
    }

    /** For a mirror: its next version if a batch was applied since the last one written (or none was yet), else null. */
    MirrorSnapshot mirrorIfChanged(String prefix, int rowsPerFile) {
        return snapshots.take() ? new MirrorSnapshot(store, definition, prefix, rowsPerFile) : null;
    }

    /** Batches were applied that no snapshot written covers yet. */
    boolean snapshotOutdated() {
        return snapshots.outdated();
    }

    /** The snapshot (or mirror version) taken last is stored, as the pipeline's {@code order}th snapshot written. */
    void snapshotWritten(long order) {
        snapshots.written(order);
    }

    /** When its last snapshot was written, in the pipeline's count of snapshots written: lower is longer ago. */
    long snapshotWrittenAs() {
        return snapshots.writtenAs();
    }
}
