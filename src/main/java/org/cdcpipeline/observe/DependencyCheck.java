package org.cdcpipeline.observe;

import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Readiness of one service the pipeline needs: a short probe (a query, a metadata request) that must answer within
 * health.timeout-ms. Not a liveness check: a service being down is no reason to restart the pipeline, which waits
 * and resumes by itself.
 */
public final class DependencyCheck extends AbstractHealthCheck {

    /** Asks the service something small; returns a detail for the report, throws when the service is not usable. */
    @FunctionalInterface
    public interface Probe {
        String call() throws Exception;
    }

    private final Probe probe;
    private final ExecutorService executor;
    private final long timeoutMillis;
    private final String fix;

    /** @param fix what to check when the probe fails, for the message of a DOWN result */
    public DependencyCheck(String id, Probe probe, ExecutorService executor, long timeoutMillis, String fix) {
        super("pipeline", id);
        this.probe = probe;
        this.executor = executor;
        this.timeoutMillis = timeoutMillis;
        this.fix = fix;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        Future<String> answer = executor.submit(probe::call);
        try {
            builder.detail("detail", answer.get(timeoutMillis, TimeUnit.MILLISECONDS));
            builder.up();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            builder.message(getId() + ": " + cause.getMessage() + "; " + fix);
            builder.error(cause);
            builder.down();
        } catch (TimeoutException e) {
            answer.cancel(true);
            builder.message(getId() + ": no answer within " + timeoutMillis + " ms; " + fix);
            builder.down();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            builder.message(getId() + ": check interrupted");
            builder.down();
        }
    }
}
