package org.cdcpipeline.archive;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Tells the records a consumer polled before a partition's latest assignment from those it polled after. camel-kafka's
 * batching consumer hands a poll's records to the route only after its next poll, and a rebalance inside that poll can
 * revoke their partition, or assign it again and seek it back to where the bucket ends: such records are stale and
 * must not be archived. Every rebalance callback takes a new generation on the consumer's thread ({@link #rebalanced});
 * Kafka calls this interceptor at the end of every poll, on that same thread, and it tags each record with the
 * generation of its poll. The archive compares the tag with the generation in which it last assigned the partition.
 */
public final class AssignmentTagging implements ConsumerInterceptor<Object, Object> {

    static final String HEADER = "pipeline.assignment";

    private static final AtomicLong GENERATIONS = new AtomicLong();
    private static final ThreadLocal<long[]> CURRENT = ThreadLocal.withInitial(() -> new long[1]);

    /** A rebalance callback runs on this consumer's thread: the records of later polls belong to a new generation. */
    static void rebalanced() {
        CURRENT.get()[0] = GENERATIONS.incrementAndGet();
    }

    /** The generation of this consumer thread's latest rebalance (0 before any). */
    static long current() {
        return CURRENT.get()[0];
    }

    /** The generation a record was polled in, or null for a record this interceptor did not see. */
    static Long tagOf(Headers headers) {
        Header tag = headers == null ? null : headers.lastHeader(HEADER);
        return tag == null ? null : ByteBuffer.wrap(tag.value()).getLong();
    }

    @Override
    public ConsumerRecords<Object, Object> onConsume(ConsumerRecords<Object, Object> records) {
        byte[] tag = ByteBuffer.allocate(Long.BYTES).putLong(current()).array();
        for (ConsumerRecord<Object, Object> record : records) {
            record.headers().add(HEADER, tag);
        }
        return records;
    }

    @Override
    public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
    }

    @Override
    public void close() {
    }

    @Override
    public void configure(Map<String, ?> configs) {
    }
}
