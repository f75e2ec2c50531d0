package org.cdcpipeline.observe;

import java.util.List;
import java.util.Map;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.cdcpipeline.cdc.CaptureTopics;

/**
 * Readiness of capture's topics: DOWN while capture waits because a topic exists with another partition count than
 * cdc.topic-partitions, with the refusal and its fix. Capture retries and goes on once the settings or the topic agree.
 */
public final class CaptureTopicsCheck extends ReadinessCheck {

    private final CaptureTopics topics;

    public CaptureTopicsCheck(CaptureTopics topics) {
        super("capture-topics");
        this.topics = topics;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        List<String> refusals = topics.refusals();
        if (refusals.isEmpty()) {
            builder.up();
            return;
        }
        builder.message(String.join("; ", refusals));
        builder.down();
    }
}
