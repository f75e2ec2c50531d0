package org.cdcpipeline.observe;

import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.NamedNode;
import org.apache.camel.component.micrometer.routepolicy.MicrometerRoutePolicyFactory;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.spi.RoutePolicy;

/**
 * Camel's route metrics (camel_exchanges_*, camel_route_policy_*) for the routes that run once per file, batch, object
 * or timer tick, not for those that run once per change event: routes fed by Debezium or Kafka. On those, the timer
 * and counters would cost on every event; what flows through them is counted per batch instead
 * (cdc_events_captured_total, archive_objects_written_total, aggregate_updates_total).
 */
public final class PerBatchRouteMetrics extends MicrometerRoutePolicyFactory {

    public PerBatchRouteMetrics(MeterRegistry registry) {
        setMeterRegistry(registry);
        getPolicyConfiguration().setContextEnabled(false);
        getPolicyConfiguration().setRouteEnabled(true);
    }

    @Override
    public RoutePolicy createRoutePolicy(CamelContext camelContext, String routeId, NamedNode route) {
        return isPerEvent(route) ? null : super.createRoutePolicy(camelContext, routeId, route);
    }

    static boolean isPerEvent(NamedNode route) {
        if (!(route instanceof RouteDefinition definition) || definition.getInput() == null) {
            return false;
        }
        String uri = definition.getInput().getEndpointUri();
        return uri != null && (uri.startsWith("kafka:") || uri.startsWith("debezium-"));
    }
}
