package org.cdcpipeline.archive;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.cdcpipeline.RunReport;

/**
 * Objects and rows the archive wrote per table in this run, and the changes it holds in open batches. For --once, the
 * archive counts as drained when it has received the last record of every partition of its topics (or finds it in its
 * objects already), no batch is open and no record has arrived for a moment.
 */
public final class ArchiveStats implements RunReport {

    private static final long QUIET_MILLIS = 2000;

    private final boolean enabled;
    private final Map<String, long[]> written = new ConcurrentSkipListMap<>();
    private final LongAdder held = new LongAdder();
    private final LongAdder replays = new LongAdder();
    private final AtomicLong lastReceived = new AtomicLong(System.currentTimeMillis());
    private volatile java.util.function.BooleanSupplier caughtUp = () -> true;
    private volatile LastObject lastObject;

    /** The object the archive wrote last in this run: its key and when it was stored. */
    public record LastObject(String key, long writtenAtMillis) {
    }

    public ArchiveStats(boolean enabled) {
        this.enabled = enabled;
    }

    /** For --once: whether every record now in the archive's topics has been received. */
    public void caughtUpWhen(java.util.function.BooleanSupplier caughtUp) {
        this.caughtUp = caughtUp;
    }

    void received() {
        lastReceived.set(System.currentTimeMillis());
    }

    void replaySkipped() {
        replays.increment();
    }

    /** Changes joined an open batch. */
    public void batched(int changes) {
        held.add(changes);
    }

    /** Changes of a batch that was not written (stale, or dead-lettered) no longer wait. */
    public void dropped(int changes) {
        held.add(-changes);
    }

    /** A batch's object of {@code bytes} is in the bucket under {@code key}. */
    public void written(String table, int rows, long bytes, String key) {
        held.add(-rows);
        lastObject = new LastObject(key, System.currentTimeMillis());
        long[] counts = written.computeIfAbsent(table, t -> new long[3]);
        synchronized (counts) {
            counts[0]++;
            counts[1] += rows;
            counts[2] += bytes;
        }
    }

    /** The object written last in this run; null before the first. */
    public LastObject lastObject() {
        return lastObject;
    }

    /** The tables the archive wrote objects of in this run. */
    public java.util.Set<String> tables() {
        return written.keySet();
    }

    /** Objects written for the table in this run. */
    public long objectsWritten(String table) {
        return count(table, 0);
    }

    /** Bytes of the objects written for the table in this run. */
    public long bytesWritten(String table) {
        return count(table, 2);
    }

    private long count(String table, int index) {
        long[] counts = written.get(table);
        if (counts == null) {
            return 0;
        }
        synchronized (counts) {
            return counts[index];
        }
    }

    /** Rows written to objects in this run, over all tables. */
    public long rowsWritten() {
        return written.values().stream().mapToLong(c -> {
            synchronized (c) {
                return c[1];
            }
        }).sum();
    }

    /** Changes in batches not yet written. */
    public long held() {
        return held.sum();
    }

    @Override
    public boolean drained() {
        return !enabled || (held.sum() == 0 && System.currentTimeMillis() - lastReceived.get() > QUIET_MILLIS
                && caughtUp.getAsBoolean());
    }

    @Override
    public String waitingFor() {
        if (drained()) {
            return null;
        }
        if (held.sum() != 0) {
            return "archive: " + held.sum() + " changes in batches not written yet";
        }
        return caughtUp.getAsBoolean() ? "archive: a record arrived less than " + QUIET_MILLIS + " ms ago"
                : "archive: the last records of its topics are not received yet";
    }

    @Override
    public List<String> summary() {
        return RunReport.summary(enabled, "Raw archive", "archive.enabled",
                "Raw archive (Parquet objects written to S3, this run):", lines -> {
                    if (written.isEmpty()) {
                        lines.add("  no objects written");
                    }
                    written.forEach((table, counts) -> {
                        synchronized (counts) {
                            lines.add(String.format("  %-24s %6d objects %10d rows", table, counts[0], counts[1]));
                        }
                    });
                    if (replays.sum() > 0) {
                        lines.add("  " + replays.sum() + " replayed changes recognised and not written again");
                    }
                });
    }
}
