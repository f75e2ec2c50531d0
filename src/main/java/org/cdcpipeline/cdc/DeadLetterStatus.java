package org.cdcpipeline.cdc;

import java.util.concurrent.atomic.AtomicReference;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Whether capture's dead letters reach their topic. While one cannot be published, capture waits (its position is
 * not saved past the event) and the readiness check reports why, instead of capture stopping silently.
 */
public final class DeadLetterStatus implements Processor {

    private final AtomicReference<String> failing = new AtomicReference<>();

    /** A publishing attempt failed: remembers why (called by the dead-letter route's error handler). */
    @Override
    public void process(Exchange exchange) {
        Throwable cause = exchange.getException() != null ? exchange.getException()
                : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        failing.set(cause == null ? "unknown error" : cause.getClass().getSimpleName() + ": " + cause.getMessage());
    }

    /** A dead letter was published. */
    public void published() {
        failing.set(null);
    }

    /** Why dead letters cannot be published now, or null when they can. */
    public String failure() {
        return failing.get();
    }
}
