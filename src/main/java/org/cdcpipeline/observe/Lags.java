package org.cdcpipeline.observe;

import java.util.Map;

/**
 * One measurement of how far the pipeline is behind: the WAL the replication slot holds (bytes, -1 when unknown) and,
 * per consumer group and topic, the records not yet consumed.
 */
record Lags(long slotLagBytes, Map<GroupTopic, Long> consumerLag) {

    record GroupTopic(String group, String topic) implements Comparable<GroupTopic> {
        @Override
        public int compareTo(GroupTopic other) {
            int byGroup = group.compareTo(other.group);
            return byGroup != 0 ? byGroup : topic.compareTo(other.topic);
        }
    }
}
