package org.cdcpipeline.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Every record of the change topics, from the beginning to the end offsets of now, as any consumer reads them. */
final class KafkaChanges {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The raw archive's consumer group (archive.group-id). */
    static final String ARCHIVE_GROUP = "raw-archive";

    private final List<Published> records;
    private final Map<TopicPartition, Long> endOffsets;
    private final Map<TopicPartition, Long> archiveCommitted;

    private KafkaChanges(List<Published> records, Map<TopicPartition, Long> endOffsets, Map<TopicPartition, Long> archiveCommitted) {
        this.records = records;
        this.endOffsets = endOffsets;
        this.archiveCommitted = archiveCommitted;
    }

    /** One record: a change event, or a tombstone (op null). */
    record Published(String topic, int partition, long offset, String table, Integer id, String op, long lsn, long xid) {

        String where() {
            return topic + "-" + partition + "@" + offset;
        }
    }

    static KafkaChanges read(String bootstrapServers, String topicPrefix) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrapServers);
        p.put("group.id", "fault-check-" + UUID.randomUUID());
        p.put("enable.auto.commit", "false");
        p.put("max.partition.fetch.bytes", "10485760");
        List<Published> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.listTopics(Duration.ofSeconds(30)).forEach((topic, infos) -> {
                if (topic.startsWith(topicPrefix)) {
                    infos.forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
                }
            });
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (!reachedEnd(consumer, partitions, ends)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Reading the change topics took longer than 120 s");
                }
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    records.add(parse(r));
                }
            }
            return new KafkaChanges(records, new HashMap<>(ends), committedOffsets(bootstrapServers, ARCHIVE_GROUP));
        }
    }

    /** The offsets a consumer group has committed; empty if it has none. */
    private static Map<TopicPartition, Long> committedOffsets(String bootstrapServers, String group) throws Exception {
        Map<TopicPartition, Long> committed = new HashMap<>();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
                    .forEach((tp, offset) -> {
                        if (offset != null) {
                            committed.put(tp, offset.offset());
                        }
                    });
        }
        return committed;
    }

    private static boolean reachedEnd(KafkaConsumer<?, ?> consumer, List<TopicPartition> partitions, Map<TopicPartition, Long> ends) {
        for (TopicPartition tp : partitions) {
            if (consumer.position(tp) < ends.get(tp)) {
                return false;
            }
        }
        return true;
    }

    private static Published parse(ConsumerRecord<String, String> r) throws Exception {
        String table = r.topic().substring(r.topic().lastIndexOf('.') + 1);
        Integer id = null;
        if (r.key() != null) {
            JsonNode key = JSON.readTree(r.key());
            JsonNode payload = key.has("payload") ? key.get("payload") : key;
            id = payload.path("id").isNumber() ? payload.path("id").asInt() : null;
        }
        if (r.value() == null) {
            return new Published(r.topic(), r.partition(), r.offset(), table, id, null, -1, -1);
        }
        JsonNode payload = JSON.readTree(r.value()).path("payload");
        JsonNode source = payload.path("source");
        return new Published(r.topic(), r.partition(), r.offset(), table, id, payload.path("op").asText(null),
                source.path("lsn").asLong(-1), source.path("txId").asLong(-1));
    }

    List<Published> records() {
        return records;
    }

    Map<TopicPartition, Long> endOffsets() {
        return endOffsets;
    }

    /** Where the raw archive's consumer group says it is: a hint only, the objects are the archive's truth. */
    Map<TopicPartition, Long> archiveCommitted() {
        return archiveCommitted;
    }
}
