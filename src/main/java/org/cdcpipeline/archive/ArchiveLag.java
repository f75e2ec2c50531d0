package org.cdcpipeline.archive;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.cdcpipeline.TopicEnds;

/**
 * Whether the archive has read every record now in its topics (for --once): the end offset of each partition of the
 * topics matching the archive's pattern, compared with the last offset the archive received.
 */
public final class ArchiveLag {

    private final Admin admin;
    private final Pattern topics;

    public ArchiveLag(Admin admin, String topicPattern) {
        this.admin = admin;
        this.topics = Pattern.compile(topicPattern);
    }

    /** True when, for every non-empty partition, the archive has reached the partition's last record. */
    public boolean caughtUp(Function<TopicPartition, Long> reached) {
        try {
            Set<String> names = admin.listTopics().names().get(5, TimeUnit.SECONDS).stream()
                    .filter(t -> topics.matcher(t).matches()).collect(Collectors.toSet());
            if (names.isEmpty()) {
                return true;
            }
            for (Map.Entry<TopicPartition, Long> end : TopicEnds.ofTopics(admin, names, Duration.ofSeconds(5)).entrySet()) {
                Long last = reached.apply(end.getKey());
                if (end.getValue() > 0 && (last == null || last + 1 < end.getValue())) {
                    return false;
                }
            }
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
