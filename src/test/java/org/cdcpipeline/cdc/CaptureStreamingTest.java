package org.cdcpipeline.cdc;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/** Capture stalled where it runs, told apart from a standby and from the grace after a start (no Debezium runs here). */
class CaptureStreamingTest {

    private final DebeziumErrors errors = new DebeziumErrors();
    private final AtomicBoolean capturing = new AtomicBoolean(true);
    private final PublishedEvents published = new PublishedEvents(10);
    private Instant now = Instant.parse("2026-11-29T12:00:00Z");

    private CaptureStreaming streaming() {
        Clock clock = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now;
            }
        };
        CaptureStreaming streaming = new CaptureStreaming("no-such-prefix", Duration.ofSeconds(30), capturing::get,
                errors, published, clock);
        streaming.start();
        return streaming;
    }

    @AfterEach
    void uninstall() {
        errors.uninstall();
    }

    @Test
    void shouldReportCaptureStalledOnceTheGraceIsOverWithDebeziumsLastError() {
        CaptureStreaming streaming = streaming();
        streaming.sample();
        now = now.plusSeconds(29);
        streaming.sample();
        assertThat(streaming.stalled()).isEmpty();

        LoggerFactory.getLogger("io.debezium.pipeline.ErrorHandler").error("Producer failure",
                new IllegalStateException("wrapped", new IllegalStateException("ERROR: publication \"p\" does not exist")));
        now = now.plusSeconds(2);
        streaming.sample();
        assertThat(streaming.stalled()).hasValueSatisfying(problem -> assertThat(problem)
                .startsWith("Capture has not read the replication slot for 31 s")
                .contains("Producer failure: ERROR: publication \"p\" does not exist")
                .contains("doctor --component debezium"));
    }

    @Test
    void shouldNameTheSnapshotModeWhenTheSlotMovedPastTheSavedPosition() {
        CaptureStreaming streaming = streaming();
        streaming.sample();
        LoggerFactory.getLogger("io.debezium.embedded.async.AsyncEmbeddedEngine").error("Engine has failed",
                new IllegalStateException("The connector is trying to read change stream starting at "
                        + "x".repeat(1000) + ", but this is no longer available on the server."));
        now = now.plusSeconds(60);
        assertThat(streaming.stalled()).hasValueSatisfying(problem -> assertThat(problem)
                .contains("cdc.snapshot-mode=when_needed").contains("...").hasSizeLessThan(800));
    }

    @Test
    void shouldNeverReportAStandbyOrAnErrorOfAnotherLogger() {
        CaptureStreaming streaming = streaming();
        capturing.set(false);
        streaming.sample();
        now = now.plusSeconds(600);
        streaming.sample();
        assertThat(streaming.stalled()).isEmpty();

        capturing.set(true);
        streaming.sample();
        LoggerFactory.getLogger("org.apache.kafka.Other").error("not Debezium's");
        now = now.plusSeconds(31);
        assertThat(streaming.stalled()).hasValueSatisfying(problem -> assertThat(problem)
                .doesNotContain("not Debezium's").contains("for 31 s"));
    }

    @Test
    void shouldReportEventsKafkaHasNotAcknowledgedForTheGraceWhileDebeziumStreams() throws Exception {
        CaptureStreaming streaming = streaming();
        capturing.set(false); // not reading the slot is not the matter here: as on a standby
        streaming.sample();
        for (int i = 0; i < 3; i++) {
            published.handOver(PublishedEventsTest.event());
        }
        published.acknowledge(1);
        now = now.plusSeconds(2);
        streaming.sample(); // acknowledged moved since the last sample: Kafka answers
        now = now.plusSeconds(2);
        streaming.sample();
        now = now.plusSeconds(27);
        streaming.sample();
        assertThat(streaming.stalled()).as("waiting since the sample 29 s ago").isEmpty();

        now = now.plusSeconds(2);
        streaming.sample();
        assertThat(streaming.stalled()).hasValueSatisfying(problem -> assertThat(problem)
                .startsWith("2 change events have waited 31 s for Kafka's acknowledgement")
                .contains("kafka.bootstrap-servers").contains("published again"));

        published.acknowledge(1);
        now = now.plusSeconds(2);
        streaming.sample();
        assertThat(streaming.stalled()).as("an acknowledgement since the last sample").isEmpty();
        now = now.plusSeconds(20);
        streaming.sample();
        published.acknowledge(1);
        now = now.plusSeconds(20);
        streaming.sample();
        assertThat(streaming.stalled()).as("none waits").isEmpty();
    }
}
