package org.cdcpipeline.observe;

import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * A check of the pipeline's readiness, never of its liveness: what it finds down (a service, a batch that cannot be
 * applied) the pipeline waits out and resumes by itself, so it is no reason to restart it.
 */
abstract class ReadinessCheck extends AbstractHealthCheck {

    ReadinessCheck(String id) {
        super("pipeline", id);
    }

    @Override
    public final boolean isLiveness() {
        return false;
    }
}
