package org.cdcpipeline.aggregate;

import java.util.List;
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
        inFlight.handOver(List.of("c1"));
        // a run is taken whole while the capacity is not reached
        inFlight.handOver(List.of("c2", "c3"));
        assertThat(inFlight.pending()).isEqualTo(3);
        CompletableFuture<Void> next = CompletableFuture.runAsync(() -> {
            try {
                inFlight.handOver(List.of("c4"));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThatThrownBy(() -> next.get(300, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        inFlight.done(1);
        assertThatThrownBy(() -> next.get(300, TimeUnit.MILLISECONDS)).as("2 changes still wait").isInstanceOf(TimeoutException.class);
        inFlight.done(2);
        next.get(10, TimeUnit.SECONDS);
        assertThat(inFlight.pending()).isEqualTo(1);
        assertThat(inFlight.finished()).isEqualTo(3);
    }

    @Test
    void shouldRefuseACapacityThatWouldHoldTheConsumerForever() {
        assertThatThrownBy(() -> new InFlightChanges("klienci-by-country", 0))
                .hasMessageContaining("klienci-by-country").hasMessageContaining("aggregate.max-in-flight");
    }
}
