package org.cdcpipeline.observe;

import java.util.List;
import java.util.Map;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.cdcpipeline.aggregate.AggregateStats;

/**
 * Readiness of the aggregates: DOWN while an aggregate has a batch it cannot apply, naming the aggregate and the
 * state store's error. The batch is retried until it is applied, so this is no reason to restart the pipeline; the
 * doctor reads the same failures over JMX (AggregateStats' attribute ApplyFailures).
 */
public final class AggregatesCheck extends ReadinessCheck {

    public static final String ID = "aggregates";

    private final AggregateStats aggregates;

    public AggregatesCheck(AggregateStats aggregates) {
        super(ID);
        this.aggregates = aggregates;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        List<String> failing = aggregates.applyFailures();
        builder.detail("aggregates", aggregates.aggregates().size());
        if (failing.isEmpty()) {
            builder.up();
            return;
        }
        builder.message(String.join("; ", failing) + "; retried until applied");
        builder.down();
    }
}
