package org.cdcpipeline.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.cdcpipeline.ChildProcessEnv;
import org.cdcpipeline.PipelineJar;
import org.cdcpipeline.TestServices;

/**
 * The pipeline as a user runs it: {@code java -jar target/cdc-pipeline.jar}, configured through environment variables
 * only, pointed at the servers of the run. Each start writes its own log file (run-1.log, run-2.log, ...).
 */
final class PipelineProcess implements AutoCloseable {

    private final Path work;
    private final Map<String, String> environment;
    private final List<Path> logs = new ArrayList<>();
    private Process process;

    PipelineProcess(Path work, Map<String, String> settings) {
        this.work = work;
        this.environment = ChildProcessEnv.of(settings);
    }

    /**
     * Settings that make a run short without changing what is tested: objects, snapshots and capture positions are
     * written sooner, and retries after an outage wait less, so the end of the run catches up quickly.
     */
    static Map<String, String> settings(FaultServers servers, Path work) {
        Map<String, String> settings = new HashMap<>(servers.pipelineEndpoints());
        settings.put("pipeline.data-dir", work.resolve("pipeline-data").toString());
        settings.put("csv.dir", work.resolve("csv").toString());
        settings.put("jmx.enabled", "false");
        settings.put("observe.port", String.valueOf(TestServices.freePort()));
        settings.put("dashboard.port", String.valueOf(TestServices.freePort()));
        settings.put("archive.batch-max-age-ms", "2000");
        settings.put("archive.topic-refresh-ms", "2000");
        settings.put("archive.retry.max-delay-ms", "4000");
        settings.put("aggregate.snapshot-interval-ms", "1000");
        settings.put("aggregate.retry.max-delay-ms", "4000");
        settings.put("cdc.offset-flush-interval-ms", "1000");
        settings.put("cdc.heartbeat-interval-ms", "1000");
        settings.put("cdc.table-discovery-interval-ms", "2000");
        settings.put("cdc.reconnect-wait-ms", "1000");
        return settings;
    }

    /** Starts the pipeline and waits for its banner (everything started). */
    void start() throws IOException {
        Files.createDirectories(Path.of(environment.get("CSV_DIR")));
        Path log = work.resolve("run-" + (logs.size() + 1) + ".log");
        logs.add(log);
        process = PipelineJar.withEnvironment(environment).start(log);
        PipelineJar.awaitRunning(process, log, Duration.ofSeconds(180));
    }

    /** kill -9: no shutdown hook runs, nothing is flushed. */
    void kill9() throws InterruptedException {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    String exitDescription() {
        return process == null || process.isAlive() ? "running" : "exited with " + process.exitValue();
    }

    Path currentLog() {
        return logs.get(logs.size() - 1);
    }

    List<Path> logs() {
        return List.copyOf(logs);
    }

    /** At the end of a run the verdict is in: the process is killed, a regular stop is not what this run tests. */
    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            kill9();
        }
    }
}
