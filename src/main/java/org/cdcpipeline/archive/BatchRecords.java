package org.cdcpipeline.archive;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads the records of a batch back from Kafka, as they are there (key, value and headers), for the dead-letter topic.
 * A batch holds only what its object needs, not the records it came from: keeping each record's text (schema
 * included) would multiply the memory of every change waiting for S3, for the rare batch that cannot be written.
 */
public final class BatchRecords {

    private final Map<String, Object> config;
    private final Duration timeout;

    public BatchRecords(String bootstrapServers, Duration timeout) {
        this.config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.CLIENT_ID_CONFIG, "archive-dead-letter-reader");
        this.timeout = timeout;
    }

    /**
     * The records of the batch's changes, in offset order; a record Kafka no longer holds (retention) is missing, and
     * so are those not read within the timeout.
     */
    public List<ConsumerRecord<byte[], byte[]>> read(ArchiveBatch batch) {
        TreeSet<Long> offsets = new TreeSet<>();
        batch.changes().forEach(c -> offsets.add(c.offset()));
        TopicPartition tp = batch.topicPartition();
        List<ConsumerRecord<byte[], byte[]>> found = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.assign(List.of(tp));
            consumer.seek(tp, offsets.first());
            long deadline = System.nanoTime() + timeout.toNanos();
            while (consumer.position(tp, timeout) <= offsets.last() && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (offsets.contains(record.offset())) {
                        found.add(record);
                    }
                }
            }
        }
        return found;
    }

    /** The offsets of the batch's changes that {@code read} did not find. */
    static Set<Long> missing(ArchiveBatch batch, List<ConsumerRecord<byte[], byte[]>> found) {
        Set<Long> missing = new TreeSet<>();
        batch.changes().forEach(c -> missing.add(c.offset()));
        found.forEach(r -> missing.remove(r.offset()));
        return missing;
    }
}
