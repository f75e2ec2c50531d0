package org.cdcpipeline.aggregate;

import java.util.function.LongSupplier;

/**
 * Whether an aggregate changed since its last snapshot was written: counts batches, not time, so a snapshot is due
 * only after a batch was applied, and one taken but not stored (S3 down) stays due.
 */
final class SnapshotBookkeeping {

    private final LongSupplier batchesApplied;
    /** batches the last snapshot written covers, and the last one taken (-1: none in this run) */
    private volatile long written = -1;
    private volatile long taken = -1;

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

    /** The snapshot taken last is stored: the next one is due after the next batch. */
    void written() {
        written = taken;
    }
}
