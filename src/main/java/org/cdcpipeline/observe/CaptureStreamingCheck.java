package org.cdcpipeline.observe;

import java.util.Map;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.cdcpipeline.cdc.CaptureStreaming;

/**
 * Readiness of capture where it runs: DOWN once capture has not read the replication slot for cdc.stalled-after-ms
 * (Debezium retrying a failure that repeats), with Debezium's last error and where to look for the fix, or once its
 * events have waited that long for Kafka's acknowledgement with none acknowledged. UP on a standby, during a snapshot
 * and while capture streams into Kafka.
 */
public final class CaptureStreamingCheck extends ReadinessCheck {

    private final CaptureStreaming streaming;

    public CaptureStreamingCheck(CaptureStreaming streaming) {
        super("capture-streaming");
        this.streaming = streaming;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        streaming.stalled().ifPresentOrElse(problem -> {
            builder.message(problem);
            builder.down();
        }, builder::up);
    }
}
