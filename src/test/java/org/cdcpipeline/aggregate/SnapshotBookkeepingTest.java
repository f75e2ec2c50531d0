package org.cdcpipeline.aggregate;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SnapshotBookkeepingTest {

    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong nanos = new AtomicLong();
    private final SnapshotBookkeeping snapshots = new SnapshotBookkeeping(batches::get, nanos::get);

    @Test
    void shouldWriteAFirstSnapshotThenOneOnlyAfterABatchWasApplied() {
        assertThat(snapshots.take()).isTrue();
        snapshots.written(0);
        assertThat(snapshots.outdated()).isFalse();
        assertThat(snapshots.take()).isFalse();
        batches.incrementAndGet();
        assertThat(snapshots.outdated()).isTrue();
        assertThat(snapshots.take()).isTrue();
    }

    @Test
    void shouldKeepASnapshotDueUntilItIsWritten() {
        batches.set(3);
        assertThat(snapshots.take()).isTrue();
        // S3 down: taken, never written
        assertThat(snapshots.take()).isTrue();
        assertThat(snapshots.outdated()).isTrue();
        snapshots.written(0);
        assertThat(snapshots.outdated()).isFalse();
    }

    @Test
    void shouldNotCountABatchAppliedAfterTheSnapshotWasTaken() {
        assertThat(snapshots.take()).isTrue();
        batches.incrementAndGet();
        snapshots.written(0);
        assertThat(snapshots.outdated()).isTrue();
    }

    @Test
    void shouldPauseAfterASlowSnapshotNineTimesAsLongAsItTook() {
        assertThat(snapshots.take()).isTrue();
        snapshots.written(2_000_000_000L); // two seconds to read
        batches.incrementAndGet();
        nanos.addAndGet(17_000_000_000L);
        assertThat(snapshots.take()).as("within 18 s of the slow one's end").isFalse();
        assertThat(snapshots.outdated()).isTrue();
        nanos.addAndGet(1_000_000_000L);
        assertThat(snapshots.take()).isTrue();
    }
}
