package org.cdcpipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads a topic of the shared test broker from its beginning, as any Kafka consumer would. */
public final class TopicReader {

    private TopicReader() {
    }

    /** Waits until the topic holds at least {@code count} records (at most 60 s) and returns them all, in order. */
    public static List<ConsumerRecord<String, String>> read(String topic, int count) {
        return read(TestServices.endpoints().get("kafka.bootstrap-servers"), topic, count);
    }

    /** The same against another broker. */
    public static List<ConsumerRecord<String, String>> read(String bootstrapServers, String topic, int count) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrapServers);
        p.put("group.id", "test-" + UUID.randomUUID());
        p.put("auto.offset.reset", "earliest");
        p.put("enable.auto.commit", "false");
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (records.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            // anything beyond the expected count shows up too
            consumer.poll(Duration.ofMillis(500)).forEach(records::add);
        }
        return records;
    }
}
