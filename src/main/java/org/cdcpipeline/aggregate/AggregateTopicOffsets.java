package org.cdcpipeline.aggregate;

import java.sql.SQLException;
import org.apache.camel.spi.StateRepository;
import org.apache.camel.support.service.ServiceSupport;

/**
 * camel-kafka's offset repository for the consumer of one table's topic, which every aggregate of that table reads:
 * on every partition assignment the consumer resumes after the last offset the aggregate furthest behind has saved
 * with its state (in the same transaction as the changes it covers), and each aggregate passes over what its own
 * state holds already ({@link RowChanges#resumeAfter}). Offsets are never saved on their own, so Kafka's committed
 * offsets play no part.
 */
public final class AggregateTopicOffsets extends ServiceSupport implements StateRepository<String, String> {

    private final AggregateStats aggregates;
    private final String topic;

    public AggregateTopicOffsets(AggregateStats aggregates, String topic) {
        this.aggregates = aggregates;
        this.topic = topic;
    }

    /** Where the consumer resumes ({@code topic/partition} keys): null (the topic's start) while any has applied none. */
    @Override
    public String getState(String topicPartition) {
        int slash = topicPartition.lastIndexOf('/');
        if (!topicPartition.substring(0, slash).equals(topic)) {
            throw new IllegalStateException("The aggregates' consumer of " + topic + " was assigned " + topicPartition);
        }
        int partition = Integer.parseInt(topicPartition.substring(slash + 1));
        // every aggregate learns where its own state is, even after one that has applied nothing
        Long resume = null;
        boolean fromStart = false;
        for (Aggregate aggregate : aggregates.reading(topic)) {
            Long last;
            try {
                last = aggregate.resumeAfterState(topic, partition);
            } catch (SQLException e) {
                throw new IllegalStateException("Cannot read where aggregate " + aggregate.name() + " resumes on "
                        + topicPartition + ": " + e.getMessage(), e);
            }
            if (last == null) {
                fromStart = true;
            } else if (resume == null || last < resume) {
                resume = last;
            }
        }
        return fromStart || resume == null ? null : resume.toString();
    }

    /** Offsets are saved with the state they cover ({@link AggregateStateWriter#apply}), never on their own. */
    @Override
    public void setState(String topicPartition, String offset) {
    }
}
