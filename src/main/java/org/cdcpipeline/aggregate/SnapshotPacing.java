package org.cdcpipeline.aggregate;

import java.util.function.LongSupplier;

/**
 * Snapshots and mirrors are all read from the one state store the aggregates write to: after a read that took a
 * while, none is read before {@value #PAUSE_FACTOR} times as long has passed, so reading them costs the store at most
 * about a tenth of its time however many aggregates there are (a pause per aggregate let four large ones keep it busy
 * nearly half the time while a large file was applied).
 */
final class SnapshotPacing {

    static final int PAUSE_FACTOR = 9;

    private final LongSupplier nanoTime;
    private volatile long notBefore;

    SnapshotPacing() {
        this(System::nanoTime);
    }

    SnapshotPacing(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.notBefore = nanoTime.getAsLong();
    }

    /** The pause after the last read has passed: another snapshot may be read now. */
    boolean allows() {
        return nanoTime.getAsLong() - notBefore >= 0;
    }

    /** A snapshot was read, which took {@code readNanos}: the next waits nine times as long. */
    void read(long readNanos) {
        notBefore = nanoTime.getAsLong() + PAUSE_FACTOR * readNanos;
    }
}
