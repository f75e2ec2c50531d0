package org.cdcpipeline.archive;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The offsets of one topic-partition that the archive's objects account for, read from the object names
 * ({@code <topic>-<partition>-<firstOffset>-<lastOffset>.parquet}). An object accounts for every offset of its range:
 * the changes it holds, and the records between them that carry none (tombstones, replayed changes, dead letters).
 * The archive resumes after the highest offset reached contiguously from the first object; ranges beyond a gap (left
 * by an older version that wrote out of order) are skipped when their records come by again, so objects never overlap.
 */
public final class ArchiveCoverage {

    private static final Pattern NAME = Pattern.compile("(.+)-(\\d+)-(\\d+)-(\\d+)\\.parquet");

    private final String topic;
    private final int partition;
    /** first offset -> last offset of every object of the partition beyond the contiguous part */
    private final TreeMap<Long, Long> beyond = new TreeMap<>();
    private long contiguousEnd = -1;
    private boolean any;
    private int objects;

    public ArchiveCoverage(String topic, int partition) {
        this.topic = topic;
        this.partition = partition;
    }

    /** The coverage the objects among {@code keys} give this topic-partition. */
    public static ArchiveCoverage of(String topic, int partition, Iterable<String> keys) {
        ArchiveCoverage coverage = new ArchiveCoverage(topic, partition);
        TreeMap<Long, Long> ranges = new TreeMap<>();
        for (String key : keys) {
            long[] range = range(key, topic, partition);
            if (range != null) {
                ranges.merge(range[0], range[1], Math::max);
                coverage.objects++;
            }
        }
        // lowest first: the contiguous part starts at the lowest object
        ranges.forEach(coverage::add);
        return coverage;
    }

    /** The first and last offset an object of the topic-partition covers, or null for another object. */
    public static long[] range(String key, String topic, int partition) {
        Matcher m = NAME.matcher(key.substring(key.lastIndexOf('/') + 1));
        if (!m.matches() || !m.group(1).equals(topic) || Integer.parseInt(m.group(2)) != partition) {
            return null;
        }
        return new long[] {Long.parseLong(m.group(3)), Long.parseLong(m.group(4))};
    }

    /** Records an object covering {@code first..last} (one listed, or one written by this run). */
    public void add(long first, long last) {
        if (!any || first <= contiguousEnd + 1) {
            any = true;
            contiguousEnd = Math.max(contiguousEnd, last);
            Map.Entry<Long, Long> next = beyond.firstEntry();
            while (next != null && next.getKey() <= contiguousEnd + 1) {
                contiguousEnd = Math.max(contiguousEnd, next.getValue());
                beyond.pollFirstEntry();
                next = beyond.firstEntry();
            }
        } else {
            beyond.merge(first, last, Math::max);
        }
    }

    /** The highest offset covered contiguously from the first object; -1 when there is no object. */
    public long contiguousEnd() {
        return contiguousEnd;
    }

    /** The last offset of the object beyond the contiguous part that covers {@code offset}, or -1 if none does. */
    public long coveredBeyond(long offset) {
        Map.Entry<Long, Long> range = beyond.floorEntry(offset);
        return range != null && range.getValue() >= offset ? range.getValue() : -1;
    }

    /** Objects listed (not counting those this run wrote). */
    public int objects() {
        return objects;
    }
}
