package org.cdcpipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * End offsets (the offset the next record will get) of Kafka partitions: what lag, catch-up and "done" are measured
 * against.
 */
public final class TopicEnds {

    private TopicEnds() {
    }

    /** The end offset of every partition of these topics; an unknown topic fails (UnknownTopicOrPartitionException). */
    public static Map<TopicPartition, Long> ofTopics(Admin admin, Collection<String> topics, Duration timeout)
            throws ExecutionException, InterruptedException, TimeoutException {
        if (topics.isEmpty()) {
            return Map.of();
        }
        List<TopicPartition> partitions = new ArrayList<>();
        admin.describeTopics(topics).allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS).forEach((name, d) ->
                d.partitions().forEach(p -> partitions.add(new TopicPartition(name, p.partition()))));
        return ofPartitions(admin, partitions, timeout);
    }

    /** The end offset of each of these partitions. */
    public static Map<TopicPartition, Long> ofPartitions(Admin admin, Collection<TopicPartition> partitions, Duration timeout)
            throws ExecutionException, InterruptedException, TimeoutException {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(tp -> request.put(tp, OffsetSpec.latest()));
        Map<TopicPartition, Long> ends = new HashMap<>();
        admin.listOffsets(request).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .forEach((tp, info) -> ends.put(tp, info.offset()));
        return ends;
    }
}
