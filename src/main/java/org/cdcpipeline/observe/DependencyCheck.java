package org.cdcpipeline.observe;

import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.camel.health.HealthCheckResultBuilder;

/**
 * Readiness of one service the pipeline needs: a short probe (a query, a metadata request) that must answer within
 * health.timeout-ms.
 * <p>
 * However often health is asked for, the probe runs at most once per health.cache-ms (requests in between get its
 * last answer) and never twice at once: a probe that does not answer is not started again until it ends, so a hung
 * service holds one probe thread, not one per request. Its own timeouts (connect, socket, API call) end it.
 */
public final class DependencyCheck extends ReadinessCheck {

    /** Asks the service something small; returns a detail for the report, throws when the service is not usable. */
    @FunctionalInterface
    public interface Probe {
        String call() throws Exception;
    }

    /**
     * How probes run: on {@code executor} (bounded; one thread per check is enough, since a check runs one probe at
     * a time), counted DOWN after {@code timeoutMillis}, each answer reused for {@code cacheMillis}.
     */
    public record Limits(Executor executor, long timeoutMillis, long cacheMillis) {
    }

    /** What a probe found: its detail when the service answered, else why not. {@code at}: System.nanoTime(). */
    private record Outcome(String detail, String failure, Throwable error, long at) {

        static Outcome up(String detail) {
            return new Outcome(detail, null, null, System.nanoTime());
        }

        static Outcome down(String failure, Throwable error) {
            return new Outcome(null, failure, error, System.nanoTime());
        }
    }

    /** A probe started and not ended yet. */
    private static final class Flight {
        private final long started = System.nanoTime();
        private final CountDownLatch ended = new CountDownLatch(1);
        private volatile Outcome outcome;
    }

    private final Probe probe;
    private final Limits limits;
    private final String fix;
    private final AtomicReference<Flight> flight = new AtomicReference<>();
    private volatile Outcome last;

    /** @param fix what to check when the probe fails, for the message of a DOWN result */
    public DependencyCheck(String id, Probe probe, Limits limits, String fix) {
        super(id);
        this.probe = probe;
        this.limits = limits;
        this.fix = fix;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        Outcome outcome = outcome();
        if (outcome.failure() == null) {
            builder.detail("detail", outcome.detail());
            builder.up();
            return;
        }
        builder.message(getId() + ": " + outcome.failure() + "; " + fix);
        if (outcome.error() != null) {
            builder.error(outcome.error());
        }
        builder.down();
    }

    /** The last answer while it is fresh; else the answer of the probe in flight (started now if none is). */
    private Outcome outcome() {
        Outcome known = last;
        if (isFresh(known)) {
            return known;
        }
        Flight mine = new Flight();
        Flight current = flight.compareAndExchange(null, mine);
        if (current == null) {
            current = mine;
            start(mine);
        }
        long waitNanos = current.started + TimeUnit.MILLISECONDS.toNanos(limits.timeoutMillis()) - System.nanoTime();
        try {
            if (current.ended.await(Math.max(0, waitNanos), TimeUnit.NANOSECONDS)) {
                return current.outcome;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.down("check interrupted", null);
        }
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - current.started);
        return Outcome.down("no answer for " + waited + " ms (health.timeout-ms=" + limits.timeoutMillis() + ")", null);
    }

    private void start(Flight mine) {
        Outcome known = last;
        if (isFresh(known)) {
            // another probe ended between our look at the last answer and now
            end(mine, known);
            return;
        }
        try {
            limits.executor().execute(() -> end(mine, probe()));
        } catch (RejectedExecutionException e) {
            end(mine, Outcome.down("no probe thread free (" + e.getMessage() + ")", e));
        }
    }

    private Outcome probe() {
        try {
            return Outcome.up(probe.call());
        } catch (Exception e) {
            return Outcome.down(e.getMessage() != null ? e.getMessage() : e.getClass().getName(), e);
        }
    }

    private void end(Flight f, Outcome outcome) {
        last = outcome;
        f.outcome = outcome;
        flight.compareAndSet(f, null);
        f.ended.countDown();
    }

    private boolean isFresh(Outcome outcome) {
        return outcome != null && System.nanoTime() - outcome.at() < TimeUnit.MILLISECONDS.toNanos(limits.cacheMillis());
    }
}
