package org.cdcpipeline.aggregate;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InFlightChangesTest {

    @Test
    void shouldHoldTheConsumerWhileCapacityChangesWaitAndLetItOnOnceABatchIsApplied() throws Exception {
        InFlightChanges inFlight = new InFlightChanges("a", 2);
        inFlight.handOver();
        inFlight.handOver();
        assertThat(inFlight.pending()).isEqualTo(2);
        CompletableFuture<Void> third = CompletableFuture.runAsync(() -> {
            try {
                inFlight.handOver();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThatThrownBy(() -> third.get(300, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        inFlight.done(2);
        third.get(10, TimeUnit.SECONDS);
        assertThat(inFlight.pending()).isEqualTo(1);
        assertThat(inFlight.finished()).isEqualTo(2);
    }

    @Test
    void shouldRefuseACapacityThatWouldHoldTheConsumerForever() {
        assertThatThrownBy(() -> new InFlightChanges("klienci-by-country", 0))
                .hasMessageContaining("klienci-by-country").hasMessageContaining("aggregate.max-in-flight");
    }
}
