package org.cdcpipeline.aggregate;

import java.util.function.LongSupplier;

/**
 * Whether an aggregate changed since its last snapshot was written: counts batches, not time, so a snapshot is due
 * only after a batch was applied, and one taken but not stored (S3 down) stays due. It also tells how long ago, among
 * the aggregates' snapshots, its last one was written, so that the one waiting longest is read first when
 * {@link SnapshotPacing} allows only some.
 */
final class SnapshotBookkeeping {

    private final LongSupplier batchesApplied;
    /** batches the last snapshot written covers, and the last one taken (-1: none in this run) */
    private volatile long written = -1;
    private volatile long taken = -1;
    /** the number of snapshots the pipeline had written when this one's last was written (0: none in this run) */
    private volatile long writtenAs;

    SnapshotBookkeeping(LongSupplier batchesApplied) {
        this.batchesApplied = batchesApplied;
    }

    /** A snapshot is to be taken now: true (and remembered as taken) unless the last one written covers every batch. */
    boolean take() {
        long now = batchesApplied.getAsLong();
        if (now == written) {
            return false;
        }
        taken = now;
        return true;
    }

    /** Batches were applied that no snapshot written covers yet. */
    boolean outdated() {
        return batchesApplied.getAsLong() != written;
    }

    /**
     * The snapshot taken last is stored: the next one is due after the next batch.
     *
     * @param order the pipeline's count of snapshots written, this one included
     */
    void written(long order) {
        written = taken;
        writtenAs = order;
    }

    /** When the last snapshot written was, in the pipeline's count of snapshots written: lower is longer ago. */
    long writtenAs() {
        return writtenAs;
    }
}
