package org.cdcpipeline.observe;

import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

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
     * a time), counted DOWN after {@code timeoutMillis}, each answer reused for {@code cacheMillis}; {@code nanoTime}
     * is the clock the ages are measured with ({@link System#nanoTime()}; tests move a clock of their own).
     */
    public record Limits(Executor executor, long timeoutMillis, long cacheMillis, LongSupplier nanoTime) {

        public Limits(Executor executor, long timeoutMillis, long cacheMillis) {
            this(executor, timeoutMillis, cacheMillis, System::nanoTime);
        }
    }

    /** What a probe found: its detail when the service answered, else why not; {@code at} on the limits' clock. */
    private record Outcome(String detail, String failure, Throwable error, long at) {
    }

    /** A probe started and not ended yet. */
    private static final class Flight {
        private final long started;
        private final CountDownLatch ended = new CountDownLatch(1);
        private volatile Outcome outcome;

        Flight(long started) {
            this.started = started;
        }
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
        Flight mine = new Flight(now());
        Flight current = flight.compareAndExchange(null, mine);
        if (current == null) {
            current = mine;
            start(mine);
        }
        long waitNanos = current.started + TimeUnit.MILLISECONDS.toNanos(limits.timeoutMillis()) - now();
        try {
            if (current.ended.await(Math.max(0, waitNanos), TimeUnit.NANOSECONDS)) {
                return current.outcome;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return down("check interrupted", null);
        }
        long waited = TimeUnit.NANOSECONDS.toMillis(now() - current.started);
        return down("no answer for " + waited + " ms (health.timeout-ms=" + limits.timeoutMillis() + ")", null);
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
            end(mine, down("no probe thread free (" + e.getMessage() + ")", e));
        }
    }

    private Outcome probe() {
        try {
            return new Outcome(probe.call(), null, null, now());
        } catch (Exception e) {
            return down(e.getMessage() != null ? e.getMessage() : e.getClass().getName(), e);
        }
    }

    private void end(Flight f, Outcome outcome) {
        last = outcome;
        f.outcome = outcome;
        flight.compareAndSet(f, null);
        f.ended.countDown();
    }

    private Outcome down(String failure, Throwable error) {
        return new Outcome(null, failure, error, now());
    }

    private boolean isFresh(Outcome outcome) {
        return outcome != null && now() - outcome.at() < TimeUnit.MILLISECONDS.toNanos(limits.cacheMillis());
    }

    private long now() {
        return limits.nanoTime().getAsLong();
    }
}
