package org.cdcpipeline.aggregate;

import java.time.Duration;
import java.time.Instant;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.camel.api.management.ManagedAttribute;
import org.apache.camel.api.management.ManagedResource;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.cdcpipeline.RunReport;
import org.cdcpipeline.TopicEnds;

/**
 * The aggregates of this run, for --once: drained when each has applied everything its topic holds (the offsets
 * saved with its state reach the topic's end) and nothing waits in its batch; the summary gives each one's groups.
 * Over JMX (a Camel service MBean) it tells which aggregates cannot apply a batch, as an attribute a read-only user
 * can read.
 */
@ManagedResource(description = "The aggregates of this pipeline")
public final class AggregateStats extends ServiceSupport implements RunReport {

    private final boolean enabled;
    private final Admin admin;
    private final List<Aggregate> aggregates = new CopyOnWriteArrayList<>();
    /** snapshots and mirror versions written in this run: each aggregate's last one's number orders who goes next */
    private final AtomicLong snapshotsWritten = new AtomicLong();
    private final SnapshotPacing pacing = new SnapshotPacing();

    public AggregateStats(boolean enabled, Admin admin) {
        this.enabled = enabled;
        this.admin = admin;
    }

    void register(Aggregate aggregate) {
        aggregates.add(aggregate);
    }

    /** The aggregates that read a topic (their table's or a joined table's), in the order they were made. */
    public List<Aggregate> reading(String topic) {
        return aggregates.stream().filter(a -> a.topics().contains(topic)).toList();
    }

    /** The endpoints of the aggregates that read a topic, comma-separated: where its consumer hands each poll. */
    public String endpointsReading(String topic) {
        return String.join(",", reading(topic).stream().map(Aggregate::endpoint).toList());
    }

    /** The aggregates running in this pipeline. */
    public List<Aggregate> aggregates() {
        return List.copyOf(aggregates);
    }

    /** One line per aggregate that has a batch it cannot apply now, with the state store's error; empty when none. */
    public List<String> applyFailures() {
        List<String> failing = new ArrayList<>();
        for (Aggregate aggregate : aggregates) {
            AggregateStateWriter.ApplyFailure failure = aggregate.failure();
            if (failure != null) {
                failing.add("aggregate " + aggregate.name() + " cannot apply a batch: " + failure.error() + " ("
                        + failure.changes() + " changes, " + failure.attempts() + " attempts since " + failure.since() + ")");
            }
        }
        return failing;
    }

    @ManagedAttribute(description = "The aggregates that cannot apply a batch now, with the error (empty when none)")
    public String getApplyFailures() {
        return String.join("; ", applyFailures());
    }

    @Override
    public boolean drained() {
        return waitingFor() == null;
    }

    @Override
    public String waitingFor() {
        if (!enabled) {
            return null;
        }
        try {
            for (Aggregate aggregate : aggregates) {
                if (aggregate.pending() > 0) {
                    return "aggregate " + aggregate.name() + ": " + aggregate.pending() + " changes read, not applied yet";
                }
                String behind = behind(aggregate);
                if (behind != null) {
                    return "aggregate " + aggregate.name() + ": " + behind;
                }
                if (aggregate.snapshotOutdated()) {
                    return "aggregate " + aggregate.name() + ": its snapshot is not written yet";
                }
            }
            return null;
        } catch (Exception e) {
            return "aggregates: " + e;
        }
    }

    /** Where the aggregate's applied offsets are short of its topics' ends, or null when they reach them. */
    private String behind(Aggregate aggregate) throws Exception {
        for (String topic : aggregate.topics()) {
            Map<TopicPartition, Long> ends;
            try {
                ends = TopicEnds.ofTopics(admin, List.of(topic), Duration.ofSeconds(10));
            } catch (ExecutionException e) {
                if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                    continue; // no change of the table captured yet
                }
                throw e;
            }
            for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
                Long applied = aggregate.lastOffset(topic, end.getKey().partition());
                if (end.getValue() > 0 && (applied == null || applied < end.getValue() - 1)) {
                    return end.getKey() + " applied up to offset " + applied + ", the topic ends at " + end.getValue();
                }
            }
        }
        return null;
    }

    /**
     * The snapshots due now, those waiting longest first: each aggregate's (an {@link AggregateSnapshot}, read here)
     * or mirror's (a {@link MirrorSnapshot}, read while it is written) that changed since its last one was written, as
     * many as {@link SnapshotPacing} allows. A mirror ends the list: how long it takes to read is known once it is
     * written.
     */
    public List<Object> dueSnapshots(String prefix, int rowsPerFile) throws SQLException {
        List<Aggregate> outdated = aggregates.stream().filter(Aggregate::snapshotOutdated)
                .sorted(Comparator.comparingLong(Aggregate::snapshotWrittenAs)).toList();
        List<Object> due = new ArrayList<>();
        for (Aggregate aggregate : outdated) {
            if (!pacing.allows()) {
                break;
            }
            if (aggregate.isMirror()) {
                MirrorSnapshot mirror = aggregate.mirrorIfChanged(prefix, rowsPerFile);
                if (mirror != null) {
                    due.add(mirror);
                    break;
                }
                continue;
            }
            AggregateSnapshot snapshot = pacing.timed(aggregate::snapshotIfChanged);
            if (snapshot != null) {
                due.add(snapshot);
            }
        }
        return due;
    }

    /** A mirror's version is stored: its parts and the manifest naming them. */
    public void mirrorWritten(MirrorSnapshot mirror) {
        pacing.read(mirror.readNanos());
        written(mirror.aggregate());
    }

    /** A snapshot is stored (history and current object). */
    public void snapshotWritten(AggregateSnapshot snapshot) {
        written(snapshot.aggregate());
    }

    private void written(String name) {
        long order = snapshotsWritten.incrementAndGet();
        aggregates.stream().filter(a -> a.name().equals(name)).forEach(a -> a.snapshotWritten(order));
    }

    @Override
    public List<String> summary() {
        return RunReport.summary(enabled, "Aggregates", "aggregate.enabled", "Aggregates (Kafka -> pipeline state)",
                lines -> {
                    lines.add(String.format("  %-30s %8s %8s  %s", "aggregate", "groups", "rows", "as of (commit time)"));
                    aggregates.forEach(aggregate -> lines.add(summaryLine(aggregate)));
                });
    }

    private static String summaryLine(Aggregate aggregate) {
        try {
            AggregateSnapshot s = aggregate.snapshot();
            long rows = s.groups().stream().mapToLong(AggregateSnapshot.Group::rows).sum();
            // a mirror has rows, not groups; a quality aggregate's groups are its rows' NULL patterns: its columns say more
            String groups = aggregate.isMirror() ? "-"
                    : aggregate.isQuality() ? aggregate.quality().size() + " cols" : String.valueOf(s.groups().size());
            return String.format("  %-30s %8s %8d  %s", aggregate.name(), groups, rows,
                    s.asOfTsMs() > 0 ? Instant.ofEpochMilli(s.asOfTsMs()) : "-");
        } catch (Exception e) {
            return String.format("  %-30s unreadable: %s", aggregate.name(), e.getMessage());
        }
    }
}
