package org.cdcpipeline.observe;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.model.RouteDefinition;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Route metrics on the routes that run per file, batch or tick; none on those fed one change event at a time. */
class PerBatchRouteMetricsTest {

    private final PerBatchRouteMetrics factory = new PerBatchRouteMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));

    @Test
    void shouldLeaveRoutesFedByKafkaOrDebeziumWithoutRouteMetrics() throws Exception {
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            assertThat(factory.createRoutePolicy(context, "raw-archive", new RouteDefinition("kafka:dbserver1.public.klienci")))
                    .isNull();
            assertThat(factory.createRoutePolicy(context, "cdc-capture", new RouteDefinition("debezium-postgres:cdc_pipeline")))
                    .isNull();
        }
    }

    @Test
    void shouldMeasureRoutesThatRunPerFileBatchOrTick() throws Exception {
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            assertThat(factory.createRoutePolicy(context, "archive-write", new RouteDefinition("direct:archive-write")))
                    .isNotNull();
            assertThat(factory.createRoutePolicy(context, "csv-import", new RouteDefinition("file:csv_files")))
                    .isNotNull();
            assertThat(factory.createRoutePolicy(context, "aggregate-snapshots", new RouteDefinition("timer:aggregate-snapshots")))
                    .isNotNull();
        }
    }
}
