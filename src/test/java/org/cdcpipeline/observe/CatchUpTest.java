package org.cdcpipeline.observe;

import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CatchUpTest {

    private static final Lags.GroupTopic ARCHIVE = new Lags.GroupTopic("raw-archive", "dbserver1.public.klienci");
    private final CatchUp catchUp = new CatchUp("cdc_pipeline", 16L << 20, 10_000);

    @Test
    void shouldSayNothingWhileThePipelineKeepsUp() {
        assertThat(catchUp.next(new Lags(4096, Map.of(ARCHIVE, 500L)))).isNull();
        assertThat(catchUp.next(new Lags(-1, Map.of()))).isNull();
    }

    @Test
    void shouldLogTheRemainingLagUntilCaughtUpThenSaySoOnce() {
        assertThat(catchUp.next(new Lags(300L << 20, Map.of(ARCHIVE, 120_000L))))
                .isEqualTo("Catching up: capture (slot cdc_pipeline) 300.0 MiB of WAL, "
                        + "dbserver1.public.klienci lag 120,000 (raw-archive)");
        assertThat(catchUp.next(new Lags(1024, Map.of(ARCHIVE, 40_000L))))
                .isEqualTo("Catching up: dbserver1.public.klienci lag 40,000 (raw-archive)");
        assertThat(catchUp.next(new Lags(1024, Map.of(ARCHIVE, 0L)))).isEqualTo("Caught up");
        assertThat(catchUp.next(new Lags(1024, Map.of(ARCHIVE, 0L)))).isNull();
    }
}
