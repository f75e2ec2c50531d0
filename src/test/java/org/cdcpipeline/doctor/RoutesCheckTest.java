package org.cdcpipeline.doctor;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.impl.DefaultCamelContext;
import org.cdcpipeline.ProbeContext;
import org.cdcpipeline.TestServices;
import org.cdcpipeline.aggregate.AggregateStats;
import org.cdcpipeline.management.JmxServer;
import org.cdcpipeline.observe.AggregatesCheck;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The doctor's route check against a Camel context served by the pipeline's JMX server with its monitor and control
 * users: the read-only monitor user, which the doctor uses by default, reads every route and the aggregates' state.
 */
class RoutesCheckTest {

    @Test
    void shouldReadRoutesAndAggregatesAsTheReadOnlyMonitorUser() throws Exception {
        int port = TestServices.freePort();
        Map<String, String> settings = Map.of("camel.main.name", "routes-check-test", "jmx.enabled", "true",
                "jmx.host", "127.0.0.1", "jmx.port", String.valueOf(port),
                "jmx.monitor-password", "m0nitor-secret", "jmx.control-password", "c0ntrol-secret");
        DefaultCamelContext camel = ProbeContext.withRoute("routes-check-test", "routes-check-probe");
        // as the pipeline has them: the aggregates' service MBean and their readiness check
        AggregateStats aggregates = new AggregateStats(true, null);
        camel.addService(aggregates, true, true);
        HealthCheckRegistry.get(camel).register(new AggregatesCheck(aggregates));
        JmxServer jmx = JmxServer.fromConfig(key -> settings.getOrDefault(key, ""));
        camel.start();
        jmx.start();
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            int exit = Doctor.run(settings, "routes", new PrintStream(bytes, true, StandardCharsets.UTF_8));
            List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
            assertThat(lines).as(String.join("\n", lines)).containsExactly(
                    "OK   routes     route routes-check-probe  Started",
                    "OK   routes     aggregates apply their batches",
                    "doctor: 2 checks, 2 OK, 0 WARN, 0 FAIL");
            assertThat(exit).isZero();
        } finally {
            jmx.stop();
            camel.stop();
        }
    }
}
