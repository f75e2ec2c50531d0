package org.cdcpipeline.archive;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides which Kafka records become archived rows. It skips tombstones; records at or below the highest last offset
 * already written for their topic-partition (an object uploaded whose offsets were not committed before a crash); and
 * a change already archived with the same table, key and LSN (the CDC stage replaying after its own crash) among the
 * last {@code window} changes of the partition. The first record of a partition in this run lists the partition's
 * objects and reads the identities of its newest ones, so both checks hold across restarts too.
 */
public final class ArchiveIntake {

    private static final Logger LOG = LoggerFactory.getLogger(ArchiveIntake.class);
    private static final Pattern NAME = Pattern.compile("(.+)-(\\d+)-(\\d+)-(\\d+)\\.parquet");

    private final ChangeEventParser parser = new ChangeEventParser();
    private final ArchiveObjects objects;
    private final int window;
    private final Map<String, Partition> partitions = new ConcurrentHashMap<>();
    private final ArchiveStats stats;
    private final Map<TopicPartition, Long> lastReceived = new ConcurrentHashMap<>();

    public ArchiveIntake(ArchiveObjects objects, int window, ArchiveStats stats) {
        this.objects = objects;
        this.window = window;
        this.stats = stats;
    }

    /** The change to archive, or null when the record is to be skipped. */
    public ArchivedChange admit(String topic, int partition, long offset, String key, String value) {
        stats.received();
        lastReceived.put(new TopicPartition(topic, partition), offset);
        Partition state = partitions.computeIfAbsent(topic + "-" + partition, k -> resume(topic, partition));
        synchronized (state) {
            if (offset <= state.highestWritten) {
                return null;
            }
            ArchivedChange change = parser.parse(topic, partition, offset, key, value);
            if (change == null) {
                return null;
            }
            if (state.seen.put(change.identity(), Boolean.TRUE) != null) {
                LOG.info("Change {} at {}-{}@{} is already archived (replayed by capture): skipped",
                        change.identity(), topic, partition, offset);
                stats.replaySkipped();
                return null;
            }
            return change;
        }
    }

    /** The offset of the last record received from a partition in this run, or null. */
    public Long lastReceived(TopicPartition partition) {
        return lastReceived.get(partition);
    }

    /** After the object of a batch is in the bucket. */
    public void written(String topic, int partition, long lastOffset) {
        Partition state = partitions.get(topic + "-" + partition);
        if (state != null) {
            synchronized (state) {
                state.highestWritten = Math.max(state.highestWritten, lastOffset);
            }
        }
    }

    private Partition resume(String topic, int partition) {
        Partition state = new Partition(window);
        String prefix = ArchiveBatch.PREFIX + "table=" + ChangeEventParser.tableOf(topic) + "/";
        List<long[]> ranges = new ArrayList<>();
        Map<long[], String> keys = new LinkedHashMap<>();
        for (String key : objects.list(prefix)) {
            Matcher m = NAME.matcher(key.substring(key.lastIndexOf('/') + 1));
            if (m.matches() && m.group(1).equals(topic) && Integer.parseInt(m.group(2)) == partition) {
                long[] range = {Long.parseLong(m.group(3)), Long.parseLong(m.group(4))};
                ranges.add(range);
                keys.put(range, key);
            }
        }
        ranges.sort(Comparator.comparingLong((long[] r) -> r[1]).reversed());
        int loaded = 0;
        List<String> newestFirst = new ArrayList<>();
        for (long[] range : ranges) {
            state.highestWritten = Math.max(state.highestWritten, range[1]);
            if (loaded < window) {
                newestFirst.add(keys.get(range));
                loaded += (int) Math.min(Integer.MAX_VALUE, range[1] - range[0] + 1);
            }
        }
        // oldest first, so the window keeps the newest identities
        for (int i = newestFirst.size() - 1; i >= 0; i--) {
            objects.identities(newestFirst.get(i)).forEach(id -> state.seen.put(id, Boolean.TRUE));
        }
        if (!ranges.isEmpty()) {
            LOG.info("Archive of {}-{}: {} objects already written up to offset {}; resuming after it",
                    topic, partition, ranges.size(), state.highestWritten);
        }
        return state;
    }

    private static final class Partition {
        long highestWritten = -1;
        final Map<String, Boolean> seen;

        Partition(int window) {
            seen = new LinkedHashMap<>(16, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                    return size() > window;
                }
            };
        }
    }
}
