package org.cdcpipeline.dashboard;

import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.cdcpipeline.aggregate.AggregateStats;
import org.cdcpipeline.archive.ArchiveStats;
import org.cdcpipeline.cdc.CaptureStats;
import org.cdcpipeline.cdc.PublishedEvents;
import org.cdcpipeline.csv.ImportStats;
import org.cdcpipeline.observe.PipelineMonitor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DashboardDoctorTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shouldRunTheChecksOnlyWhileAPageLooks() throws Exception {
        FlowHistory flow = new FlowHistory(new ImportStats(java.nio.file.Path.of("target"), ".*"),
                new CaptureStats(false, "dbserver1", new PublishedEvents(1)), new ArchiveStats(false),
                new AggregateStats(false, null), new PipelineMonitor(null, new PipelineMonitor.Sources(null, null, null,
                null, null, java.util.List.of()), 0, 0, null), 1000, 10000);
        // nothing answers on these: each check fails, quickly, with its fix
        Map<String, String> config = Map.of("postgres.host", "127.0.0.1", "postgres.port", "9", "kafka.bootstrap-servers",
                "127.0.0.1:9", "s3.endpoint", "http://127.0.0.1:9", "jmx.enabled", "false", "cdc.enabled", "false");
        DashboardDoctor doctor = new DashboardDoctor(key -> config.getOrDefault(key, ""), flow, 60_000);

        doctor.run();
        assertThat(JSON.readTree(flow.json()).get("doctor").isNull()).as("no page asked: no checks").isTrue();
        doctor.run(); // the page has asked now
        assertThat(JSON.readTree(flow.json()).path("doctor").path("checks").size()).isPositive();
    }
}
