package org.cdcpipeline.aggregate;

import java.sql.SQLException;

import org.apache.camel.spi.StateRepository;
import org.apache.camel.support.service.ServiceSupport;

/**
 * camel-kafka's offset repository for an aggregate's consumer: on every partition assignment the consumer resumes
 * after the last offset saved with the state, in the same transaction as the changes it covers. Offsets are never
 * saved on their own, so Kafka's committed offsets play no part.
 */
public final class AggregateOffsetRepository extends ServiceSupport implements StateRepository<String, String> {

    private final Aggregate aggregate;

    public AggregateOffsetRepository(Aggregate aggregate) {
        this.aggregate = aggregate;
    }

    /** Where the consumer resumes: the last offset applied with the state ({@code topic/partition} keys). */
    @Override
    public String getState(String topicPartition) {
        int slash = topicPartition.lastIndexOf('/');
        String topic = topicPartition.substring(0, slash);
        if (!aggregate.topics().contains(topic)) {
            throw new IllegalStateException("Aggregate " + aggregate.name() + " reads " + aggregate.topics()
                    + ", not " + topicPartition);
        }
        try {
            Long last = aggregate.lastOffset(topic, Integer.parseInt(topicPartition.substring(slash + 1)));
            return last == null ? null : last.toString();
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read where aggregate " + aggregate.name() + " resumes on "
                    + topicPartition + ": " + e.getMessage(), e);
        }
    }

    /** Offsets are saved with the state they cover ({@link AggregateStateWriter#apply}), never on their own. */
    @Override
    public void setState(String topicPartition, String offset) {
    }
}
