package org.cdcpipeline.observe;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.cdcpipeline.aggregate.Aggregate;
import org.cdcpipeline.aggregate.AggregateStats;

/**
 * Readiness of the aggregates: DOWN while an aggregate has a batch it cannot apply, naming the aggregate and the
 * state store's error. The batch is retried until it is applied, so this is no reason to restart the pipeline; the
 * doctor reads this check over JMX (the health MBean's details).
 */
public final class AggregatesCheck extends AbstractHealthCheck {

    public static final String ID = "aggregates";

    private final AggregateStats aggregates;

    public AggregatesCheck(AggregateStats aggregates) {
        super("pipeline", ID);
        this.aggregates = aggregates;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        List<String> failing = new ArrayList<>();
        for (Aggregate aggregate : aggregates.aggregates()) {
            Aggregate.ApplyFailure failure = aggregate.failure();
            if (failure != null) {
                failing.add("aggregate " + aggregate.name() + " cannot apply a batch: " + failure.error() + " ("
                        + failure.changes() + " changes, " + failure.attempts() + " attempts since " + failure.since() + ")");
            }
        }
        builder.detail("aggregates", aggregates.aggregates().size());
        if (failing.isEmpty()) {
            builder.up();
            return;
        }
        builder.message(String.join("; ", failing) + "; retried until applied");
        builder.down();
    }
}
