package org.cdcpipeline.cdc;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure every topic capture publishes on has the layout the settings ask for before its first event: a missing
 * topic is created with {@code cdc.topic-partitions} partitions, {@code cdc.topic-replication-factor} replicas,
 * {@code min.insync.replicas} (when set) and {@code max.message.bytes} = {@code kafka.max-message-bytes} (instead of by
 * the broker's auto-creation, with the broker's defaults); an existing topic with a lower message limit is raised.
 * An existing topic with another partition count is refused ({@link TopicLayoutException}): Kafka can only add
 * partitions, and a key would then hash to another partition than its earlier changes, so a row's changes would no
 * longer be read in order. Each topic is checked once per run. The dead-letter topics of every stage are made here too.
 */
public final class CaptureTopics {

    private static final Logger LOG = LoggerFactory.getLogger(CaptureTopics.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final Admin admin;
    private final int maxMessageBytes;
    private final int partitions;
    private final short replicationFactor;
    private final String minInsyncReplicas;
    private final Set<String> ready = ConcurrentHashMap.newKeySet();
    private final Map<String, String> refused = new ConcurrentHashMap<>();

    /**
     * @param replicationFactor -1 for the broker's default.replication.factor
     * @param minInsyncReplicas blank for the broker's min.insync.replicas
     */
    public CaptureTopics(Admin admin, int maxMessageBytes, int partitions, int replicationFactor,
            String minInsyncReplicas) {
        if (partitions < 1) {
            throw new IllegalArgumentException("cdc.topic-partitions is " + partitions + ": set it to 1 or more");
        }
        if (replicationFactor == 0 || replicationFactor < -1 || replicationFactor > Short.MAX_VALUE) {
            throw new IllegalArgumentException("cdc.topic-replication-factor is " + replicationFactor
                    + ": set it to 1 or more, or to -1 for the broker's default.replication.factor");
        }
        this.admin = admin;
        this.maxMessageBytes = maxMessageBytes;
        this.partitions = partitions;
        this.replicationFactor = (short) replicationFactor;
        this.minInsyncReplicas = minInsyncReplicas == null ? "" : minInsyncReplicas.trim();
    }

    /**
     * Creates, raises or checks the topics of a batch that this run has not checked yet (a Kafka failure is retried).
     *
     * @throws TopicLayoutException a topic exists with another partition count than cdc.topic-partitions
     */
    public void ensure(Collection<String> topics) throws ExecutionException, InterruptedException, TimeoutException {
        for (String topic : topics) {
            if (!ready.contains(topic)) {
                try {
                    ensure(topic);
                } catch (TopicLayoutException e) {
                    refused.put(topic, e.getMessage());
                    throw e;
                }
                refused.remove(topic);
                ready.add(topic);
            }
        }
    }

    /** Why capture waits now: a line for each topic it refused at its last attempt; empty when none. */
    public List<String> refusals() {
        return List.copyOf(new java.util.TreeMap<>(refused).values());
    }

    /**
     * Creates a dead-letter topic before its first letter if it is missing: as capture's topics, but with one
     * partition (a stage's letters stay in the order they were written). An existing one is used as it is. A cluster
     * that creates no topic by itself (auto.create.topics.enable=false) needs this; others get the same layout.
     */
    public void ensureDeadLetterTopic(String topic) throws ExecutionException, InterruptedException, TimeoutException {
        if (!ready.contains(topic)) {
            create(topic, 1);
            ready.add(topic);
        }
    }

    private void ensure(String topic) throws ExecutionException, InterruptedException, TimeoutException {
        if (create(topic, partitions)) {
            return;
        }
        int existing = admin.describeTopics(List.of(topic)).allTopicNames().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .get(topic).partitions().size();
        String refusal = refusal(topic, existing, partitions);
        if (refusal != null) {
            throw new TopicLayoutException(refusal);
        }
        String limit = String.valueOf(maxMessageBytes);
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        ConfigEntry current = admin.describeConfigs(List.of(resource)).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .get(resource).get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
        if (current == null || Long.parseLong(current.value()) < maxMessageBytes) {
            admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(
                            new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, limit), AlterConfigOp.OpType.SET))))
                    .all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            LOG.info("Raised max.message.bytes of topic {} from {} to {}", topic,
                    current == null ? "the broker's default" : current.value(), limit);
        }
    }

    /** Creates the topic with the settings' layout; false when it exists already. */
    private boolean create(String topic, int partitionCount) throws ExecutionException, InterruptedException,
            TimeoutException {
        String limit = String.valueOf(maxMessageBytes);
        Map<String, String> configs = new HashMap<>();
        configs.put(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, limit);
        if (!minInsyncReplicas.isEmpty()) {
            configs.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minInsyncReplicas);
        }
        try {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(partitionCount),
                            replicationFactor < 0 ? Optional.empty() : Optional.of(replicationFactor)).configs(configs)))
                    .all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            LOG.info("Created topic {} ({} partition(s), max.message.bytes {}{})", topic, partitionCount, limit,
                    minInsyncReplicas.isEmpty() ? "" : ", min.insync.replicas " + minInsyncReplicas);
            awaitLeaders(topic);
            return true;
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
            return false;
        }
    }

    /**
     * Waits until every partition of a new topic has a leader. A first produce before that may be answered
     * NOT_LEADER_OR_FOLLOWER although the broker appended it, and the idempotent producer's retry then meets an
     * out-of-order sequence without end.
     */
    private void awaitLeaders(String topic) throws ExecutionException, InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (admin.describeTopics(List.of(topic)).allTopicNames().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .get(topic).partitions().stream().anyMatch(p -> p.leader() == null || p.leader().isEmpty())) {
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("topic " + topic + " has partitions without a leader after " + TIMEOUT.toSeconds() + " s");
            }
            Thread.sleep(50);
        }
    }

    /**
     * Why capture must not publish on a topic of {@code existing} partitions when the settings ask for
     * {@code configured}, or null when they agree. Shared with the doctor.
     */
    public static String refusal(String topic, int existing, int configured) {
        if (existing == configured) {
            return null;
        }
        return "Topic " + topic + " has " + existing + " partition(s), but cdc.topic-partitions is " + configured
                + ": capture waits instead of publishing on it, because changing a topic's partition count moves keys "
                + "to other partitions and breaks the order of each row's changes. Set cdc.topic-partitions = " + existing
                + " and restart; to capture into " + configured + " partitions, use a new topic.prefix with a new "
                + "cdc.slot-name and cdc.offsets-file (a new snapshot fills the new topics)";
    }
}
