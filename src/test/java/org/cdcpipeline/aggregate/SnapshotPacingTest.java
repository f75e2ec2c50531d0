package org.cdcpipeline.aggregate;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SnapshotPacingTest {

    private final AtomicLong nanos = new AtomicLong();
    private final SnapshotPacing pacing = new SnapshotPacing(nanos::get);

    @Test
    void shouldPauseAfterASlowReadNineTimesAsLongAsItTook() {
        assertThat(pacing.allows()).isTrue();
        pacing.read(2_000_000_000L); // two seconds to read
        nanos.addAndGet(17_000_000_000L);
        assertThat(pacing.allows()).as("within 18 s of the slow read's end").isFalse();
        nanos.addAndGet(1_000_000_000L);
        assertThat(pacing.allows()).isTrue();
    }

    @Test
    void shouldPauseAfterATimedReadOnlyWhenItReadASnapshot() throws Exception {
        assertThat(pacing.<String>timed(() -> {
            nanos.addAndGet(1_000_000_000L);
            return null;
        })).isNull();
        assertThat(pacing.allows()).as("nothing was due").isTrue();
        assertThat(pacing.timed(() -> {
            nanos.addAndGet(1_000_000_000L);
            return "snapshot";
        })).isEqualTo("snapshot");
        nanos.addAndGet(8_000_000_000L);
        assertThat(pacing.allows()).as("within 9 s of the read's end").isFalse();
        nanos.addAndGet(1_000_000_000L);
        assertThat(pacing.allows()).isTrue();
    }

    @Test
    void shouldHardlyPauseAfterAQuickRead() {
        pacing.read(1_000_000L);
        nanos.addAndGet(9_000_000L);
        assertThat(pacing.allows()).isTrue();
    }
}
