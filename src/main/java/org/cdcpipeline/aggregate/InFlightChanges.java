package org.cdcpipeline.aggregate;

import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * The aggregate's back-pressure: the Kafka consumer waits while {@code capacity} changes or more are read but not yet
 * applied (the state store is slow or unreachable), so a stalled store never fills the memory. A poll's changes are
 * handed over in runs: the check is made before each run, so at most one run (one poll) more may wait.
 */
public final class InFlightChanges {

    private final int capacity;
    private final LongAdder finished = new LongAdder();
    private long pending;

    public InFlightChanges(String aggregate, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("Aggregate " + aggregate + ": aggregate.max-in-flight is " + capacity
                    + "; set it to 1 or more");
        }
        this.capacity = capacity;
    }

    /** A run of changes enters the route; waits while {@code capacity} changes or more wait to be applied. */
    public synchronized void handOver(List<?> run) throws InterruptedException {
        while (pending >= capacity) {
            wait();
        }
        pending += run.size();
    }

    /** Changes handed over are applied (or dead-lettered): they no longer wait. */
    synchronized void done(int changes) {
        finished.add(changes);
        pending -= changes;
        notifyAll();
    }

    /** Changes read but not applied yet. */
    synchronized long pending() {
        return pending;
    }

    /** Changes finished with in this run. */
    long finished() {
        return finished.sum();
    }
}
