package org.cdcpipeline.cdc;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.camel.Exchange;

/**
 * Change events handed to Kafka and not yet acknowledged by it. Capture pauses while too many are outstanding (so a
 * slow or absent Kafka holds back capture instead of filling memory), and the position Debezium saves never runs
 * ahead of what Kafka has acknowledged: {@link AcknowledgedOffsetStore} waits here before it writes.
 * <p>
 * Debezium creates the offset store by reflection, so the store cannot be handed this bean: it finds it by the name it
 * was {@linkplain #shareAs shared} under, which the cdc-capture route passes to it as
 * {@value AcknowledgedOffsetStore#ACKNOWLEDGEMENTS}.
 */
public final class PublishedEvents {

    /** Exchange property of an event counted by {@link #handOver}. */
    static final String HANDED_OVER = "cdcHandedOver";

    private static final Map<String, PublishedEvents> SHARED = new ConcurrentHashMap<>();

    /** While the pipeline stops, the last save of capture's position waits at most this long for Kafka. */
    private static final long STOPPING_WAIT_NANOS = TimeUnit.SECONDS.toNanos(3);

    /** One permit per event that may still be handed over before Kafka acknowledges earlier ones. */
    private final Semaphore room;
    private final AtomicLong handedOver = new AtomicLong();
    /** Guarded by this: the offset store waits on it for a given count. */
    private long acknowledged;
    private volatile boolean stopping;

    /** @param capacity how many events may wait for Kafka before capture pauses ({@code cdc.max-in-flight}) */
    public PublishedEvents(int capacity) {
        this.room = new Semaphore(capacity);
    }

    /** Makes this the instance {@link AcknowledgedOffsetStore} finds under {@code name}. */
    public PublishedEvents shareAs(String name) {
        SHARED.put(name, this);
        return this;
    }

    static PublishedEvents shared(String name) {
        PublishedEvents events = SHARED.get(name);
        if (events == null) {
            throw new IllegalStateException("No PublishedEvents shared as '" + name + "' (" + AcknowledgedOffsetStore.ACKNOWLEDGEMENTS
                    + " of the debezium endpoint): share the bean under that name (PublishedEvents.shareAs) before capture starts");
        }
        return events;
    }

    /** An event enters the route; blocks while {@code capacity} events wait for Kafka. */
    public void handOver(Exchange event) throws InterruptedException {
        room.acquire();
        handedOver.incrementAndGet();
        event.setProperty(HANDED_OVER, Boolean.TRUE);
    }

    /** An event that failed before it joined a batch went to the dead-letter topic: done, if it was handed over. */
    public void deadLettered(Exchange event) {
        if (event.getProperty(HANDED_OVER, false, Boolean.class)) {
            acknowledge(1);
        }
    }

    /** Kafka acknowledged these events (or they went to the dead-letter topic). */
    public void acknowledge(int events) {
        room.release(events);
        synchronized (this) {
            acknowledged += events;
            notifyAll();
        }
    }

    long handedOver() {
        return handedOver.get();
    }

    synchronized long acknowledged() {
        return acknowledged;
    }

    /**
     * The pipeline stops: the last batch is published meanwhile, and a position not acknowledged within a few seconds
     * is not saved (the events after the last saved one are published again at the next start), so a stop never
     * waits for a Kafka that does not answer.
     */
    public static void stopping() {
        SHARED.values().forEach(PublishedEvents::stop);
    }

    private synchronized void stop() {
        stopping = true;
        notifyAll();
    }

    /**
     * Waits until every event handed over up to {@code target} is acknowledged. A monitor, not the semaphore: this
     * waits for a count to be reached without taking permits, and a stop shortens the wait.
     */
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

    boolean isStopping() {
        return stopping;
    }

    public synchronized boolean idle() {
        return handedOver.get() == acknowledged;
    }
}
