package org.cdcpipeline.archive;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.spi.StateRepository;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.cdcpipeline.change.ChangeEventDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the archive stands on each topic-partition, with the bucket as the truth. On every partition assignment
 * (camel-kafka asks its offset repository, {@link #getState}) it lists the partition's objects and the consumer resumes
 * after the highest offset they cover contiguously; Kafka's committed offsets are not used. On every revocation
 * ({@link #revoked}) the partition's open and queued batches become stale (a new epoch) and are dropped instead of
 * written, after the upload in progress, if any, has ended; whoever owns the partition next rewrites them.
 *
 * <p>For each record of a poll it decides whether it becomes an archived row: records polled before their partition's
 * latest assignment are not ({@link AssignmentTagging}); tombstones are not; records the bucket already covers are not;
 * a change already archived with the same table, key and LSN (capture replaying after its own crash) among the last
 * {@code window} changes of the partition is not. Changes read but not written yet are bounded by {@code capacity}:
 * beyond it the consumer waits before its next poll's records.
 */
public final class ArchiveIntake extends ServiceSupport implements StateRepository<String, String> {

    private static final Logger LOG = LoggerFactory.getLogger(ArchiveIntake.class);
    /** The header of a record that cannot be archived: why. */
    public static final String UNREADABLE = "pipeline.error";

    private final ChangeEventParser parser = new ChangeEventParser();
    private final ArchiveObjects objects;
    private final int window;
    private final ArchiveStats stats;
    private final long capacity;
    private final Duration retryDelay;
    private final Map<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();
    private final Map<TopicPartition, Long> lastReceived = new ConcurrentHashMap<>();
    private long pending;

    public ArchiveIntake(ArchiveObjects objects, int window, ArchiveStats stats, long capacity, Duration retryDelay) {
        this.objects = objects;
        this.window = window;
        this.stats = stats;
        this.capacity = capacity;
        this.retryDelay = retryDelay;
    }

    /**
     * The partition is assigned to this consumer: its batches so far are stale, and it resumes after the last offset
     * its objects cover contiguously ({@code topic/partition} keys; "-1" when there is none: from the start).
     */
    @Override
    public String getState(String topicPartition) {
        int slash = topicPartition.lastIndexOf('/');
        TopicPartition tp = new TopicPartition(topicPartition.substring(0, slash),
                Integer.parseInt(topicPartition.substring(slash + 1)));
        Partition state = fence(tp);
        state.assigned = true;
        state.generation = AssignmentTagging.current();
        ArchiveCoverage coverage = load(tp, state);
        if (coverage.objects() > 0) {
            LOG.info("Archive of {}: {} objects cover offsets up to {}; resuming after it", tp, coverage.objects(),
                    coverage.contiguousEnd());
        }
        return String.valueOf(coverage.contiguousEnd());
    }

    /** Offsets are the objects in the bucket, never saved on their own. */
    @Override
    public void setState(String topicPartition, String offset) {
    }

    /** The partitions left this consumer: their open and queued batches are dropped. */
    public void revoked(Collection<TopicPartition> revoked) {
        revoked.forEach(tp -> fence(tp).assigned = false);
    }

    /** Starts a new epoch of the partition once no upload of it is in progress; its state is loaded again. */
    private Partition fence(TopicPartition tp) {
        Partition state = partitions.computeIfAbsent(tp, k -> new Partition(window));
        synchronized (state) {
            state.epoch++;
            state.loaded = false;
            while (state.writing > 0) {
                try {
                    state.wait(1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        return state;
    }

    /**
     * Reads what the bucket holds of the partition: the offsets its objects cover, and the identities of the changes
     * in its newest objects (up to the dedup window), so a change capture replays is recognised across restarts too.
     * S3 unreachable is waited out, never taken for an empty bucket.
     */
    private ArchiveCoverage load(TopicPartition tp, Partition state) {
        String prefix = ArchiveBatch.PREFIX + "table=" + ArchiveBatch.tableKey(ChangeEventParser.tableOf(tp.topic())) + "/";
        for (int attempt = 1; ; attempt++) {
            try {
                List<String> keys = objects.list(prefix);
                ArchiveCoverage coverage = ArchiveCoverage.of(tp.topic(), tp.partition(), keys);
                List<String> newest = keys.stream()
                        .filter(k -> ArchiveCoverage.range(k, tp.topic(), tp.partition()) != null)
                        .sorted(Comparator.comparingLong(
                                (String k) -> ArchiveCoverage.range(k, tp.topic(), tp.partition())[1]).reversed())
                        .toList();
                List<String> identities = new ArrayList<>();
                long rows = 0;
                for (int i = 0; i < newest.size() && rows < window; i++) {
                    long[] range = ArchiveCoverage.range(newest.get(i), tp.topic(), tp.partition());
                    rows += range[1] - range[0] + 1;
                    // oldest last here, reversed below: the window keeps the newest identities
                    identities.addAll(0, objects.identities(newest.get(i)));
                }
                synchronized (state) {
                    state.load(coverage);
                    identities.forEach(id -> state.seen.put(id, Boolean.TRUE));
                }
                return coverage;
            } catch (RuntimeException e) {
                if (!isRunAllowed() && attempt > 1) {
                    throw e;
                }
                LOG.warn("Cannot list the archive's objects of {} ({}); trying again in {} s", tp, e.getMessage(),
                        retryDelay.toSeconds());
                try {
                    Thread.sleep(retryDelay.toMillis());
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /**
     * The records of a poll (camel-kafka's batching consumer), in order, as what becomes of them: for each run of
     * changes that go into the same batch, an {@link ArchiveBatch} holding them; for a record that is no change event
     * the archive can store, the record's message with the reason in header {@link #UNREADABLE}. Records that carry
     * nothing to archive or are stale leave no trace. Waits first while {@code capacity} changes wait to be written.
     */
    public List<Object> admitAll(List<Exchange> records) throws InterruptedException {
        awaitCapacity();
        List<Object> admitted = new ArrayList<>();
        ArchiveBatch run = null;
        int stale = 0;
        for (Exchange record : records) {
            Message message = record.getMessage();
            String topic = message.getHeader(KafkaConstants.TOPIC, String.class);
            int partition = message.getHeader(KafkaConstants.PARTITION, Integer.class);
            long offset = message.getHeader(KafkaConstants.OFFSET, Long.class);
            if (isStale(topic, partition, message.getHeader(KafkaConstants.HEADERS, Headers.class))) {
                stale++;
                continue;
            }
            AdmittedChange change;
            try {
                change = admit(topic, partition, offset, message.getHeader(KafkaConstants.KEY, byte[].class),
                        message.getBody(ByteBuffer.class));
            } catch (UnreadableChangeException e) {
                message.setHeader(UNREADABLE, e.getMessage());
                message.setBody(ChangeEventDecoder.bytesOf(message.getBody(ByteBuffer.class)));
                admitted.add(message);
                run = null;
                continue;
            }
            if (change == null) {
                continue;
            }
            if (run == null || !run.batchKey().equals(change.batchKey())) {
                run = new ArchiveBatch();
                admitted.add(run);
            }
            run.add(change);
        }
        if (stale > 0) {
            LOG.info("{} records polled before a rebalance reassigned or revoked their partition left out: they are read "
                    + "again from where the bucket ends", stale);
        }
        return admitted;
    }

    /** A record polled before its partition's latest assignment, or after the partition left this consumer. */
    private boolean isStale(String topic, int partition, Headers headers) {
        Long tag = AssignmentTagging.tagOf(headers);
        if (tag == null) {
            return false;
        }
        Partition state = partitions.get(new TopicPartition(topic, partition));
        return state != null && (!state.assigned || tag < state.generation);
    }

    /**
     * The change to archive with its place among the partition's batches, or null when the record carries nothing to
     * archive (a tombstone, a record the bucket already covers, a replayed change).
     *
     * @throws UnreadableChangeException the record is not a change event the archive can store
     */
    AdmittedChange admit(String topic, int partition, long offset, byte[] key, ByteBuffer value) {
        stats.received();
        TopicPartition tp = new TopicPartition(topic, partition);
        lastReceived.put(tp, offset);
        Partition state = partitions.get(tp);
        if (state == null) {
            state = partitions.computeIfAbsent(tp, k -> new Partition(window));
        }
        boolean loaded;
        synchronized (state) {
            loaded = state.loaded;
        }
        if (!loaded) {
            // consumed without an assignment callback (no offset repository): the bucket still decides
            load(tp, state);
        }
        synchronized (state) {
            ArchiveCoverage coverage = state.coverage;
            if (offset <= coverage.contiguousEnd()) {
                return null;
            }
            long beyond = coverage.coveredBeyond(offset);
            if (beyond >= 0) {
                // in an object past a gap: the next batch starts after it, so objects never overlap
                state.segment++;
                state.nextCoverFrom = beyond + 1;
                return null;
            }
            if (state.firstRecord && offset > state.nextCoverFrom) {
                LOG.warn("Archive of {}: offsets {}-{} are not in Kafka (retention or compaction) and no object covers "
                        + "them", tp, state.nextCoverFrom, offset - 1);
            }
            state.firstRecord = false;
            ArchivedChange change;
            try {
                change = parser.parse(topic, partition, offset, key, value);
            } catch (UnreadableChangeException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new UnreadableChangeException("Record " + tp + "@" + offset + " cannot be archived: " + e, e);
            }
            if (change == null) {
                return null;
            }
            if (state.seen.put(change.identity(), Boolean.TRUE) != null) {
                LOG.info("Change {} at {}@{} is already archived (replayed by capture): skipped",
                        change.identity(), tp, offset);
                stats.replaySkipped();
                return null;
            }
            // the parser gives the same column list for the same schema: compare by identity first
            if (state.columns != null && state.columns != change.columns() && !state.columns.equals(change.columns())) {
                // the table's columns changed: a new object, so each object has one schema
                state.segment++;
            }
            state.columns = change.columns();
            AdmittedChange admitted = new AdmittedChange(change, state.nextCoverFrom, state.epoch,
                    state.batchKey(tp));
            state.nextCoverFrom = offset + 1;
            return admitted;
        }
    }

    private synchronized void awaitCapacity() throws InterruptedException {
        while (pending >= capacity) {
            wait(1000);
            if (!isRunAllowed()) {
                throw new InterruptedException("the archive is stopping");
            }
        }
    }

    /**
     * Changes joined an open batch: they count against {@code capacity} until their batch is finished with. Counted
     * here, not when admitted, so the runs of a poll that failed before reaching the aggregator are never counted.
     */
    public synchronized void held(int changes) {
        pending += changes;
    }

    private synchronized void release(int changes) {
        pending -= changes;
        notifyAll();
    }

    /** A completed batch is about to be written: false when it is stale (its partition was revoked or reassigned). */
    public boolean claim(ArchiveBatch batch) {
        Partition state = partitions.get(batch.topicPartition());
        synchronized (state) {
            if (!current(state, batch)) {
                return false;
            }
            state.writing++;
            return true;
        }
    }

    /** Whether the batch still belongs to the partition's current epoch. */
    public boolean isCurrent(ArchiveBatch batch) {
        Partition state = partitions.get(batch.topicPartition());
        synchronized (state) {
            return current(state, batch);
        }
    }

    private static boolean current(Partition state, ArchiveBatch batch) {
        return state.loaded && state.epoch == batch.epoch();
    }

    /**
     * A claimed batch is accounted for: its object is in the bucket, or its records are on the dead-letter topic
     * ({@code covered}), or it was given up (stale, or the pipeline is stopping) and will be read again.
     */
    public void finished(ArchiveBatch batch, boolean claimed, boolean covered) {
        Partition state = partitions.get(batch.topicPartition());
        synchronized (state) {
            if (claimed) {
                state.writing--;
            }
            if (covered && current(state, batch)) {
                state.coverage.add(batch.firstOffset(), batch.lastOffset());
            }
            state.notifyAll();
        }
        release(batch.size());
    }

    /** A batch never claimed (stale when it completed): its changes no longer wait. */
    public void dropped(ArchiveBatch batch) {
        finished(batch, false, false);
    }

    /** The offset of the last record received from a partition in this run, or null. */
    private Long lastReceived(TopicPartition partition) {
        return lastReceived.get(partition);
    }

    /**
     * The last offset of a partition this consumer has dealt with: received in this run, or covered by the bucket's
     * objects already (a restart resumes after those and may receive nothing); null when neither.
     */
    public Long reached(TopicPartition partition) {
        Long received = lastReceived(partition);
        Long covered = covered(partition);
        if (received == null) {
            return covered;
        }
        return covered == null ? received : Math.max(received, covered);
    }

    /** The last offset of a partition this consumer holds that the bucket covers contiguously, or null. */
    public Long covered(TopicPartition partition) {
        Partition state = partitions.get(partition);
        if (state == null) {
            return null;
        }
        synchronized (state) {
            return state.loaded ? state.coverage.contiguousEnd() : null;
        }
    }

    @Override
    protected void doStop() {
        synchronized (this) {
            notifyAll();
        }
    }

    private static final class Partition {
        /** Written by the rebalance callbacks of whichever consumer thread holds the partition, read by all. */
        volatile boolean assigned = true;
        volatile long generation;
        int epoch;
        boolean loaded;
        boolean firstRecord;
        int writing;
        int segment;
        long nextCoverFrom;
        List<ArchivedChange.Column> columns;
        ArchiveCoverage coverage;
        final int window;
        final Map<String, Boolean> seen = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > window;
            }
        };

        private String batchKey;
        private int keyEpoch = -1;
        private int keySegment = -1;

        Partition(int window) {
            this.window = window;
        }

        /** {@code <topic>-<partition>-<epoch>-<segment>}, made anew only when the epoch or segment changes. */
        String batchKey(TopicPartition tp) {
            if (keyEpoch != epoch || keySegment != segment) {
                batchKey = tp + "-" + epoch + "-" + segment;
                keyEpoch = epoch;
                keySegment = segment;
            }
            return batchKey;
        }

        void load(ArchiveCoverage coverage) {
            this.coverage = coverage;
            this.loaded = true;
            this.firstRecord = true;
            this.nextCoverFrom = coverage.contiguousEnd() + 1;
            this.columns = null;
            this.seen.clear();
        }
    }
}
