package org.cdcpipeline.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.apache.camel.health.HealthCheck;
import org.cdcpipeline.aggregate.AggregateStats;
import org.junit.jupiter.api.Test;

class ReadinessCheckTest {

    @Test
    void shouldCountServicesAndAggregatesForReadinessOnlySoAnOutageNeverRestartsThePipeline() {
        List<HealthCheck> checks = List.of(new AggregatesCheck(new AggregateStats(true, null)),
                new DependencyCheck("kafka", () -> "1 broker", new DependencyCheck.Limits(Runnable::run, 100, 0), "fix"));

        assertThat(checks).allSatisfy(check -> {
            assertThat(check.isReadiness()).isTrue();
            assertThat(check.isLiveness()).isFalse();
            assertThat(check.getGroup()).isEqualTo("pipeline");
        });
    }
}
