package org.cdcpipeline.cdc;

import java.time.Duration;
import java.util.Collection;
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
 * Makes sure every topic capture publishes on takes records up to {@code kafka.max-message-bytes}: a topic is created
 * with that {@code max.message.bytes} before its first event (instead of by the broker's auto-creation, with the
 * broker's 1 MB default), and an existing topic with a lower limit is raised. Each topic is checked once per run.
 */
public final class CaptureTopics {

    private static final Logger LOG = LoggerFactory.getLogger(CaptureTopics.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final Admin admin;
    private final int maxMessageBytes;
    private final Set<String> ready = ConcurrentHashMap.newKeySet();

    public CaptureTopics(Admin admin, int maxMessageBytes) {
        this.admin = admin;
        this.maxMessageBytes = maxMessageBytes;
    }

    /** Creates or raises the topics of a batch that this run has not checked yet (a Kafka failure is retried). */
    public void ensure(Collection<String> topics) throws ExecutionException, InterruptedException, TimeoutException {
        for (String topic : topics) {
            if (!ready.contains(topic)) {
                ensure(topic);
                ready.add(topic);
            }
        }
    }

    private void ensure(String topic) throws ExecutionException, InterruptedException, TimeoutException {
        String limit = String.valueOf(maxMessageBytes);
        try {
            admin.createTopics(List.of(new NewTopic(topic, Optional.empty(), Optional.empty())
                            .configs(Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, limit))))
                    .all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            LOG.info("Created topic {} (max.message.bytes {})", topic, limit);
            return;
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
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
}
