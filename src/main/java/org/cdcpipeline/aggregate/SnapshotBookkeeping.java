package org.cdcpipeline.aggregate;

import java.util.function.LongSupplier;

/**
 * Whether an aggregate changed since its last snapshot was written: counts batches, not time, so a snapshot is due
 * only after a batch was applied, and one taken but not stored (S3 down) stays due. A snapshot whose reading took long
 * (a big table's aggregate or mirror) is not taken again before {@value #PAUSE_FACTOR} times as long has passed, so
 * reading snapshots costs the state store at most about a tenth of its time.
 */
final class SnapshotBookkeeping {

    static final int PAUSE_FACTOR = 9;

    private final LongSupplier batchesApplied;
    private final LongSupplier nanoTime;
    /** batches the last snapshot written covers, and the last one taken (-1: none in this run) */
    private volatile long written = -1;
    private volatile long taken = -1;
    private volatile long notBefore;

    SnapshotBookkeeping(LongSupplier batchesApplied) {
        this(batchesApplied, System::nanoTime);
    }

    SnapshotBookkeeping(LongSupplier batchesApplied, LongSupplier nanoTime) {
        this.batchesApplied = batchesApplied;
        this.nanoTime = nanoTime;
        this.notBefore = nanoTime.getAsLong();
    }

    /**
     * A snapshot is to be taken now: true (and remembered as taken) unless the last one written covers every batch, or
     * the pause after a slow one has not passed.
     */
    boolean take() {
        long now = batchesApplied.getAsLong();
        long at = nanoTime.getAsLong();
        if (now == written || at - notBefore < 0) {
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
     * The snapshot taken last is stored: the next one is due after the next batch, and after a pause if reading it was
     * slow.
     *
     * @param readNanos how long reading the snapshot from the state took
     */
    void written(long readNanos) {
        written = taken;
        notBefore = nanoTime.getAsLong() + PAUSE_FACTOR * readNanos;
    }
}
