package org.cdcpipeline.cdc;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PublishedEventsTest {

    private static final CamelContext CONTEXT = new DefaultCamelContext();

    static Exchange event() {
        return new DefaultExchange(CONTEXT);
    }

    @Test
    void shouldCountADeadLetteredEventAsDoneOnlyWhenItWasHandedOver() throws Exception {
        PublishedEvents events = new PublishedEvents(10);
        Exchange handedOver = event();
        events.handOver(handedOver);
        events.deadLettered(event()); // failed before it was handed over: nothing to acknowledge
        assertThat(events.idle()).isFalse();
        events.deadLettered(handedOver);
        assertThat(events.idle()).isTrue();
        assertThat(events.handedOver()).isEqualTo(1);
    }

    @Test
    void shouldHoldBackCaptureOnceCapacityEventsWaitForKafka() throws Exception {
        PublishedEvents events = new PublishedEvents(2);
        events.handOver(event());
        events.handOver(event());
        CompletableFuture<Void> third = CompletableFuture.runAsync(() -> {
            try {
                events.handOver(event());
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThatThrownBy(() -> third.get(300, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        events.acknowledge(1);
        third.get(5, TimeUnit.SECONDS);
        assertThat(events.handedOver()).isEqualTo(3);
        assertThat(events.idle()).isFalse();
        events.acknowledge(2);
        assertThat(events.idle()).isTrue();
    }

    @Test
    void shouldWaitUntilEveryEventUpToTheTargetIsAcknowledged() throws Exception {
        PublishedEvents events = new PublishedEvents(10);
        events.handOver(event());
        events.handOver(event());
        assertThatThrownBy(() -> events.awaitAcknowledged(2, Duration.ofMillis(100)))
                .isInstanceOf(TimeoutException.class).hasMessageContaining("2 change events");
        CompletableFuture<Void> waiting = CompletableFuture.runAsync(() -> {
            try {
                events.awaitAcknowledged(2, Duration.ofSeconds(10));
            } catch (InterruptedException | TimeoutException e) {
                throw new IllegalStateException(e);
            }
        });
        events.acknowledge(1);
        events.acknowledge(1);
        waiting.get(5, TimeUnit.SECONDS);
    }

    @Test
    void shouldStopWaitingForKafkaWithinSecondsOnceThePipelineStops() throws Exception {
        PublishedEvents events = new PublishedEvents(10).shareAs("publishedEventsStopTest");
        events.handOver(event());
        long start = System.nanoTime();
        CompletableFuture<Throwable> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                events.awaitAcknowledged(1, Duration.ofSeconds(60));
                return null;
            } catch (InterruptedException | TimeoutException e) {
                return e;
            }
        });
        PublishedEvents.stopping();
        assertThat(waiting.get(10, TimeUnit.SECONDS)).isInstanceOf(TimeoutException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        assertThat(events.isStopping()).isTrue();
    }

    @Test
    void shouldNameTheMissingBeanWhenNothingIsSharedUnderTheName() {
        assertThatThrownBy(() -> PublishedEvents.shared("noSuchEvents"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("noSuchEvents").hasMessageContaining(AcknowledgedOffsetStore.ACKNOWLEDGEMENTS);
    }
}
