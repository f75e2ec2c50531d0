package org.cdcpipeline.cdc;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.cdcpipeline.RunReport;

/**
 * Change events published per topic in this run; for --once, whether capture has caught up: the snapshot is done,
 * streaming is connected, Debezium's queue is empty, no change has arrived for a moment (Debezium's own connector
 * metrics tell) and Kafka has acknowledged every event.
 */
public final class CaptureStats implements RunReport {

    private static final long QUIET_MILLIS = 1500;

    private final Map<String, LongAdder> published = new ConcurrentSkipListMap<>();
    private final boolean enabled;
    private final String topicPrefix;

    private final PublishedEvents inFlight;

    public CaptureStats(boolean enabled, String topicPrefix, PublishedEvents inFlight) {
        this.enabled = enabled;
        this.topicPrefix = topicPrefix;
        this.inFlight = inFlight;
    }

    /** Counts change events Kafka acknowledged, per topic. */
    public void published(Map<String, Integer> perTopic) {
        if (perTopic != null) {
            perTopic.forEach((topic, n) -> published.computeIfAbsent(topic, t -> new LongAdder()).add(n));
        }
    }

    /** The topics events were published on in this run. */
    public Set<String> topics() {
        return published.keySet();
    }

    /** Events Kafka acknowledged on the topic in this run. */
    public long published(String topic) {
        LongAdder n = published.get(topic);
        return n == null ? 0 : n.sum();
    }

    @Override
    public boolean drained() {
        if (!enabled) {
            return true;
        }
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try {
            Boolean snapshotDone = attribute(server, "snapshot", "SnapshotCompleted", Boolean.class);
            Boolean snapshotSkipped = attribute(server, "snapshot", "SnapshotSkipped", Boolean.class);
            Boolean connected = attribute(server, "streaming", "Connected", Boolean.class);
            Long sinceLast = attribute(server, "streaming", "MilliSecondsSinceLastEvent", Long.class);
            Integer queueFree = attribute(server, "streaming", "QueueRemainingCapacity", Integer.class);
            Integer queueSize = attribute(server, "streaming", "QueueTotalCapacity", Integer.class);
            return (Boolean.TRUE.equals(snapshotDone) || Boolean.TRUE.equals(snapshotSkipped))
                    && Boolean.TRUE.equals(connected) && (sinceLast == null || sinceLast < 0 || sinceLast > QUIET_MILLIS)
                    && queueFree != null && queueFree.equals(queueSize) && inFlight.idle();
        } catch (Exception e) {
            return false;
        }
    }

    private <T> T attribute(MBeanServer server, String context, String name, Class<T> type) throws Exception {
        Set<ObjectName> names = server.queryNames(new ObjectName("debezium.postgres:type=connector-metrics,context="
                + context + ",server=" + topicPrefix + ",*"), null);
        if (names.isEmpty()) {
            return null;
        }
        return type.cast(server.getAttribute(names.iterator().next(), name));
    }

    @Override
    public List<String> summary() {
        return RunReport.summary(enabled, "Change capture", "cdc.enabled", "Change capture (PostgreSQL -> Kafka)",
                lines -> {
                    lines.add(String.format("  %-40s %10s", "topic", "events"));
                    published.forEach((topic, n) -> lines.add(String.format("  %-40s %10d", topic, n.sum())));
                    if (published.isEmpty()) {
                        lines.add("  (no changes)");
                    }
                });
    }
}
