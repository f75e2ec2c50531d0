package org.cdcpipeline.cdc;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;

/**
 * Change events handed to Kafka and not yet acknowledged by it. Capture pauses while too many are outstanding (so a
 * slow or absent Kafka holds back capture instead of filling memory), and the position Debezium saves never runs
 * ahead of what Kafka has acknowledged: {@link AcknowledgedOffsetStore} waits here before it writes.
 * One instance per offsets file, which is how the offset store, created by Debezium, finds it.
 */
public final class PublishedEvents {

    private static final Map<String, PublishedEvents> BY_OFFSETS_FILE = new ConcurrentHashMap<>();

    /** While the pipeline stops, the last save of capture's position waits at most this long for Kafka. */
    private static final long STOPPING_WAIT_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(3);

    private long handedOver;
    private long acknowledged;
    private volatile int capacity = 10_000;
    private boolean stopping;

    private PublishedEvents() {
    }

    public static PublishedEvents forOffsetsFile(String offsetsFile) {
        return BY_OFFSETS_FILE.computeIfAbsent(Path.of(offsetsFile).toAbsolutePath().normalize().toString(),
                k -> new PublishedEvents());
    }

    public PublishedEvents withCapacity(int capacity) {
        this.capacity = capacity;
        return this;
    }

    /** An event enters the route; blocks while {@code capacity} events wait for Kafka. */
    public synchronized void handOver() throws InterruptedException {
        while (handedOver - acknowledged >= capacity) {
            wait();
        }
        handedOver++;
    }

    /** Kafka acknowledged these events (or they went to the dead-letter topic). */
    public synchronized void acknowledge(int events) {
        acknowledged += events;
        notifyAll();
    }

    synchronized long handedOver() {
        return handedOver;
    }

    /**
     * The pipeline stops: the last batch is published meanwhile, and a position not acknowledged within a few seconds
     * is not saved (the events after the last saved one are published again at the next start), so a stop never
     * waits for a Kafka that does not answer.
     */
    public static void stopping() {
        BY_OFFSETS_FILE.values().forEach(events -> {
            synchronized (events) {
                events.stopping = true;
                events.notifyAll();
            }
        });
    }

    /** Waits until every event handed over up to {@code target} is acknowledged. */
    synchronized void awaitAcknowledged(long target, Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + (stopping ? Math.min(timeout.toNanos(), STOPPING_WAIT_NANOS) : timeout.toNanos());
        while (acknowledged < target) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new TimeoutException((target - acknowledged) + " change events still wait for Kafka's acknowledgement");
            }
            wait(Math.max(1, left / 1_000_000));
            if (stopping) {
                deadline = Math.min(deadline, System.nanoTime() + STOPPING_WAIT_NANOS);
            }
        }
    }

    synchronized boolean isStopping() {
        return stopping;
    }

    public synchronized boolean idle() {
        return handedOver == acknowledged;
    }
}
