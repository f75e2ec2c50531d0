package org.cdcpipeline.aggregate;

import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.LongAdder;

/**
 * The aggregate's back-pressure: at most {@code capacity} changes read but not yet applied. The Kafka consumer waits
 * beyond that (the state store is slow or unreachable), so a stalled store never fills the memory.
 */
public final class InFlightChanges {

    private final int capacity;
    private final Semaphore free;
    private final LongAdder finished = new LongAdder();

    public InFlightChanges(String aggregate, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("Aggregate " + aggregate + ": aggregate.max-in-flight is " + capacity
                    + "; set it to 1 or more");
        }
        this.capacity = capacity;
        this.free = new Semaphore(capacity);
    }

    /** A change enters the route; waits while {@code capacity} changes wait to be applied. */
    public void handOver() throws InterruptedException {
        free.acquire();
    }

    /** Changes handed over are applied (or dead-lettered): they no longer wait. */
    void done(int changes) {
        finished.add(changes);
        free.release(changes);
    }

    /** Changes read but not applied yet. */
    long pending() {
        return capacity - free.availablePermits();
    }

    /** Changes finished with in this run. */
    long finished() {
        return finished.sum();
    }
}
