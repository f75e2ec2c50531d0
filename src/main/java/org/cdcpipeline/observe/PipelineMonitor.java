package org.cdcpipeline.observe;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.cdcpipeline.TopicEnds;
import org.cdcpipeline.aggregate.Aggregate;
import org.cdcpipeline.aggregate.AggregateStats;
import org.cdcpipeline.archive.ArchiveIntake;
import org.cdcpipeline.cdc.SlotLag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures, every observe.lag-interval-ms (route observe-lag), how far the pipeline is behind: the replication slot's
 * lag, the records each consumer has not consumed yet (the raw archive by the offsets its objects cover, each
 * aggregate by the offsets stored with its state) and the records in the dead-letter topics. Keeps the last figures
 * for the metrics and logs a catch-up's progress.
 */
public final class PipelineMonitor {

    private static final Logger LOG = LoggerFactory.getLogger(PipelineMonitor.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    /** What runs in this pipeline, and where its figures come from. */
    public record Sources(SlotLag slotLag, String archiveGroup, Pattern archiveTopics, ArchiveIntake archive,
                          AggregateStats aggregates,
                          List<String> deadLetterTopics) {
    }

    private final Admin admin;
    private final Sources sources;
    private final CatchUp catchUp;
    private final PipelineMetrics metrics;
    private volatile Lags last = new Lags(-1, Map.of());
    private volatile Map<String, Long> deadLetters = Map.of();

    public PipelineMonitor(Admin admin, Sources sources, long caughtUpSlotLagBytes, long caughtUpConsumerLag,
                           PipelineMetrics metrics) {
        this.admin = admin;
        this.sources = sources;
        this.metrics = metrics;
        this.catchUp = new CatchUp(sources.slotLag() == null ? "" : sources.slotLag().slot(), caughtUpSlotLagBytes,
                caughtUpConsumerLag);
    }

    /** One measurement: figures for the metrics, and a catch-up line when one is due. */
    public void measure() {
        Map<Lags.GroupTopic, Long> consumerLag = new TreeMap<>();
        Map<String, Long> letters = new TreeMap<>();
        try {
            Set<String> existing = admin.listTopics().names().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            if (sources.archiveGroup() != null) {
                archiveLag(existing, consumerLag);
            }
            if (sources.aggregates() != null) {
                aggregateLag(existing, consumerLag);
            }
            // a dead-letter topic is created with its first letter: none yet is 0, a figure to alert on
            sources.deadLetterTopics().forEach(topic -> letters.put(topic, 0L));
            Set<String> deadLetterTopics = sources.deadLetterTopics().stream().filter(existing::contains)
                    .collect(Collectors.toSet());
            endOffsets(deadLetterTopics).forEach((tp, end) -> letters.merge(tp.topic(), end, Long::sum));
        } catch (Exception e) {
            LOG.debug("Cannot measure consumer lag now: {}", e.getMessage());
            consumerLag.putAll(last.consumerLag());
            letters.putAll(deadLetters);
        }
        long slotLag = slotLag();
        Lags lags = new Lags(slotLag, Map.copyOf(consumerLag));
        last = lags;
        deadLetters = Map.copyOf(letters);
        String line = catchUp.next(lags);
        if (line != null) {
            LOG.info(line);
        }
        if (metrics != null) {
            metrics.refresh(this);
        }
    }

    private long slotLag() {
        if (sources.slotLag() == null) {
            return -1;
        }
        try {
            return sources.slotLag().measure();
        } catch (Exception e) {
            LOG.debug("Cannot measure the slot lag now: {}", e.getMessage());
            return -1;
        }
    }

    /** The archive's lag on the partitions this instance holds, from what the bucket covers (it commits nothing). */
    private void archiveLag(Set<String> existing, Map<Lags.GroupTopic, Long> lag) throws Exception {
        Set<String> topics = existing.stream().filter(t -> sources.archiveTopics().matcher(t).matches())
                .collect(Collectors.toSet());
        endOffsets(topics).forEach((tp, end) -> {
            Long covered = sources.archive().covered(tp);
            if (covered != null) {
                lag.merge(new Lags.GroupTopic(sources.archiveGroup(), tp.topic()), Math.max(0, end - covered - 1),
                        Long::sum);
            }
        });
    }

    private void aggregateLag(Set<String> existing, Map<Lags.GroupTopic, Long> lag) throws Exception {
        for (Aggregate aggregate : sources.aggregates().aggregates()) {
            for (String topic : aggregate.topics()) {
                if (!existing.contains(topic)) {
                    continue;
                }
                for (Map.Entry<TopicPartition, Long> end : endOffsets(Set.of(topic)).entrySet()) {
                    Long applied = aggregate.lastOffset(topic, end.getKey().partition());
                    long behind = Math.max(0, end.getValue() - (applied == null ? 0 : applied + 1));
                    lag.merge(new Lags.GroupTopic("aggregate-" + aggregate.name(), topic), behind, Long::sum);
                }
            }
        }
    }

    private Map<TopicPartition, Long> endOffsets(Set<String> topics) throws Exception {
        return TopicEnds.ofTopics(admin, topics, TIMEOUT);
    }

    /** The last measurement. */
    Lags lags() {
        return last;
    }

    /** The WAL the replication slot held at the last measurement, in bytes; -1 when unknown. */
    public long slotLagBytes() {
        return last.slotLagBytes();
    }

    /** Records of a topic a consumer group has not consumed yet. */
    public record ConsumerLag(String group, String topic, long records) {
    }

    /** The consumer lags of the last measurement, by group and topic. */
    public List<ConsumerLag> consumerLags() {
        return new TreeMap<>(last.consumerLag()).entrySet().stream()
                .map(e -> new ConsumerLag(e.getKey().group(), e.getKey().topic(), e.getValue())).toList();
    }

    /** Records in each dead-letter topic, as last measured. */
    public Map<String, Long> deadLetters() {
        return deadLetters;
    }
}
