package org.cdcpipeline;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.awaitility.core.ConditionTimeoutException;

import static org.awaitility.Awaitility.await;

/** A pipeline running in this JVM on the real route files, pointed at the shared test servers. */
public final class TestPipeline implements AutoCloseable {

    private final Pipeline pipeline;
    private final Thread thread;
    private final AtomicInteger exitCode = new AtomicInteger(-1);

    private TestPipeline(Pipeline pipeline) {
        this.pipeline = pipeline;
        this.thread = new Thread(() -> exitCode.set(pipeline.run()), "test-pipeline");
    }

    /** Starts a pipeline with the shared servers' endpoints, fast polling, and the given properties on top. */
    public static TestPipeline start(Map<String, String> properties) {
        TestPipeline p = new TestPipeline(new Pipeline(new RunOptions(false, false, false), withDefaults(properties)));
        p.thread.start();
        // the first start in a test JVM loads every library: on a busy machine that takes more than a minute
        try {
            await().atMost(Duration.ofSeconds(180)).until(() -> p.pipeline.isStarted() || !p.thread.isAlive());
        } catch (ConditionTimeoutException e) {
            p.pipeline.stop(); // no pipeline left running into the next test
            throw new IllegalStateException("pipeline did not start within 180 s", e);
        }
        if (!p.pipeline.isStarted()) {
            throw new IllegalStateException("pipeline did not start, exit code " + p.exitCode.get());
        }
        return p;
    }

    /** Runs a pipeline with --once to its end and returns its exit code. */
    public static int runOnce(Map<String, String> properties) {
        return new Pipeline(new RunOptions(true, false, false), withDefaults(properties)).run();
    }

    private static Map<String, String> withDefaults(Map<String, String> properties) {
        Map<String, String> all = new HashMap<>(TestServices.endpoints());
        all.put("csv.poll-delay-ms", "200");
        all.put("csv.read-lock-check-interval-ms", "100");
        all.put("csv.read-lock-min-age-ms", "200");
        all.put("pipeline.once.timeout-seconds", "120");
        all.put("cdc.enabled", "false");
        all.put("aggregate.enabled", "false");
        all.put("archive.enabled", "false");
        // several pipelines run in one test JVM: no fixed ports (tests of JMX, health and metrics turn them on)
        all.put("jmx.enabled", "false");
        all.put("observe.enabled", "false");
        all.put("dashboard.enabled", "false");
        all.putAll(properties);
        return all;
    }

    /** The running pipeline's Camel context, to look at its beans. */
    public org.apache.camel.CamelContext context() {
        return pipeline.context();
    }

    @Override
    public void close() throws InterruptedException {
        pipeline.stop();
        thread.join(Duration.ofSeconds(60).toMillis());
    }
}
