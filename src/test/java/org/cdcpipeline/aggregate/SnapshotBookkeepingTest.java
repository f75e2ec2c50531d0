package org.cdcpipeline.aggregate;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SnapshotBookkeepingTest {

    private final AtomicLong batches = new AtomicLong();
    private final SnapshotBookkeeping snapshots = new SnapshotBookkeeping(batches::get);

    @Test
    void shouldWriteAFirstSnapshotThenOneOnlyAfterABatchWasApplied() {
        assertThat(snapshots.take()).isTrue();
        snapshots.written(1);
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
        snapshots.written(1);
        assertThat(snapshots.outdated()).isFalse();
    }

    @Test
    void shouldNotCountABatchAppliedAfterTheSnapshotWasTaken() {
        assertThat(snapshots.take()).isTrue();
        batches.incrementAndGet();
        snapshots.written(1);
        assertThat(snapshots.outdated()).isTrue();
    }

    @Test
    void shouldTellWhenItsLastSnapshotWasWrittenAmongThePipelines() {
        assertThat(snapshots.writtenAs()).as("none yet").isZero();
        assertThat(snapshots.take()).isTrue();
        snapshots.written(7);
        assertThat(snapshots.writtenAs()).isEqualTo(7);
    }
}
