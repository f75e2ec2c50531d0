package org.cdcpipeline.aggregate;

import java.sql.SQLException;
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

    /** Reads a snapshot (null: none was due, which costs no pause), then pauses nine times as long as it took. */
    <T> T timed(Reading<T> reading) throws SQLException {
        long start = nanoTime.getAsLong();
        T snapshot = reading.read();
        if (snapshot != null) {
            read(nanoTime.getAsLong() - start);
        }
        return snapshot;
    }

    /** Reading a snapshot from the state. */
    interface Reading<T> {
        T read() throws SQLException;
    }

    /** A snapshot was read, which took {@code readNanos}: the next waits nine times as long. */
    void read(long readNanos) {
        notBefore = nanoTime.getAsLong() + PAUSE_FACTOR * readNanos;
    }
}
