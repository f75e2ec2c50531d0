package org.cdcpipeline.cdc;

import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether capture moves where it should: reads the replication slot, and gets its events into Kafka. Debezium retries
 * a failure that repeats without end (errors.max.retries), logging each one: a slot it cannot decode, a permission
 * taken away. Meanwhile no table is captured, the route stays started and the lock stays held, so no other instance
 * takes over. This says so: once capture has been expected to stream for {@code stalledAfter} (this instance
 * captures; no snapshot runs) and Debezium's streaming is not connected, capture is stalled, with the last error
 * Debezium logged. Capture is stalled too once events have waited that long for Kafka's acknowledgement without any
 * acknowledged meanwhile: Kafka away or refusing, or a producer retrying without end (its own retries do not reach
 * the route).
 */
public final class CaptureStreaming extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(CaptureStreaming.class);

    private final String topicPrefix;
    private final Duration stalledAfter;
    private final BooleanSupplier capturing;
    private final DebeziumErrors errors;
    private final PublishedEvents published;
    private final Clock clock;
    private volatile Instant notStreamingSince;
    /** When capture was last seen streaming: Debezium's errors since then are why it does not. */
    private volatile Instant lastStreaming = Instant.EPOCH;
    private volatile boolean reported;
    /** Acknowledged events at the previous sample, and when that sample ran. */
    private long lastAcknowledged = -1;
    private Instant lastSample;
    /** Since when events have waited for Kafka with none acknowledged; null while Kafka acknowledges or none wait. */
    private volatile Instant unacknowledgedSince;
    private volatile boolean reportedUnacknowledged;

    /**
     * @param capturing whether this instance runs capture now (its role), so a standby is never stalled
     * @param published the events handed to Kafka and those it acknowledged
     */
    public CaptureStreaming(String topicPrefix, Duration stalledAfter, BooleanSupplier capturing, DebeziumErrors errors,
                            PublishedEvents published, Clock clock) {
        this.topicPrefix = topicPrefix;
        this.stalledAfter = stalledAfter;
        this.capturing = capturing;
        this.errors = errors;
        this.published = published;
        this.clock = clock;
    }

    @Override
    protected void doStart() {
        errors.install();
    }

    @Override
    protected void doStop() {
        errors.uninstall();
    }

    /** Looks at Debezium's metrics and Kafka's acknowledgements once: called with every role check. */
    public void sample() {
        Instant now = clock.instant();
        samplePublishing(now);
        if (!capturing.getAsBoolean() || streamingOrSnapshotting()) {
            if (reported) {
                LOG.info("Capture reads the replication slot again");
            }
            lastStreaming = now;
            notStreamingSince = null;
            reported = false;
            return;
        }
        if (notStreamingSince == null) {
            notStreamingSince = now;
        }
        Optional<String> stalled = stalled();
        if (stalled.isPresent() && !reported) {
            reported = true;
            LOG.warn("{}", stalled.get());
        }
    }

    /**
     * Sampled, not timed per event: events wait while the count Kafka acknowledged has not moved since the previous
     * sample, from that sample on.
     */
    private void samplePublishing(Instant now) {
        long acknowledged = published.acknowledged();
        if (published.idle() || acknowledged != lastAcknowledged) {
            if (reportedUnacknowledged) {
                LOG.info("Kafka acknowledges capture's events again");
            }
            unacknowledgedSince = null;
            reportedUnacknowledged = false;
        } else if (unacknowledgedSince == null) {
            unacknowledgedSince = lastSample;
        }
        lastAcknowledged = acknowledged;
        lastSample = now;
        Optional<String> waiting = unacknowledged();
        if (waiting.isPresent() && !reportedUnacknowledged) {
            reportedUnacknowledged = true;
            LOG.warn("{}", waiting.get());
        }
    }

    /**
     * Why capture is stalled, with what to do; empty while it streams or snapshots and Kafka acknowledges its events,
     * on a standby, and within the grace.
     */
    public Optional<String> stalled() {
        return notReading().or(this::unacknowledged);
    }

    /** How long since {@code since}, once that is past the grace; empty before, or when {@code since} is null. */
    private Optional<Duration> pastGrace(Instant since) {
        return Optional.ofNullable(since).map(s -> Duration.between(s, clock.instant()))
                .filter(d -> d.compareTo(stalledAfter) >= 0);
    }

    private Optional<String> unacknowledged() {
        return pastGrace(unacknowledgedSince).map(waitingFor -> (published.handedOver() - published.acknowledged())
                + " change events have waited " + waitingFor.toSeconds() + " s for Kafka's acknowledgement, none acknowledged meanwhile. Capture pauses"
                + " once cdc.max-in-flight wait; nothing is lost: capture's position is saved only up to what Kafka"
                + " acknowledged -> fix: make Kafka reachable and writable (kafka.bootstrap-servers, readiness check"
                + " kafka; the producer's retries are in the log, logger org.apache.kafka.clients.producer); if Kafka"
                + " is well, restart the pipeline: the events not acknowledged are published again");
    }

    private Optional<String> notReading() {
        return pastGrace(notStreamingSince).map(this::notReadingFor);
    }

    private String notReadingFor(Duration stalledFor) {
        Optional<DebeziumErrors.Error> error = errors.since(lastStreaming);
        String fix = error.filter(e -> e.text().contains("no longer available on the server")).isPresent()
                // the slot was moved past capture's saved position, or made again after it: only a snapshot helps
                ? "restart once with cdc.snapshot-mode=when_needed (CDC_SNAPSHOT_MODE): capture publishes every "
                + "captured row again, then streams"
                : "run the doctor (java -jar cdc-pipeline.jar doctor --component debezium) for the cause and its fix";
        return "Capture has not read the replication slot for " + stalledFor.toSeconds() + " s"
                + error.map(e -> "; Debezium's last error: " + e.shortText(400)).orElse("")
                + ". No table is captured meanwhile -> fix: " + fix;
    }

    private boolean streamingOrSnapshotting() {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        return Boolean.TRUE.equals(attribute(server, "streaming", "Connected"))
                || Boolean.TRUE.equals(attribute(server, "snapshot", "SnapshotRunning"));
    }

    private Object attribute(MBeanServer server, String context, String name) {
        try {
            Set<ObjectName> names = server.queryNames(new ObjectName("debezium.postgres:type=connector-metrics,context="
                    + context + ",server=" + topicPrefix + ",*"), null);
            return names.isEmpty() ? null : server.getAttribute(names.iterator().next(), name);
        } catch (JMException | RuntimeException e) {
            return null; // unregistered meanwhile: the task restarts
        }
    }
}
