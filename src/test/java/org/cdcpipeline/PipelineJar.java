package org.cdcpipeline;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * The pipeline as a user runs it: {@code java -jar target/cdc-pipeline.jar} in a child process, configured through
 * environment variables only (see {@link ChildProcessEnv}), its output in a log file of the test's.
 */
public final class PipelineJar {

    /** The banner's first line: every server and route has started. */
    public static final String RUNNING = "cdc-pipeline is running";

    private final Map<String, String> environment;
    private final List<String> jvmOptions = new ArrayList<>(List.of("-Xmx512m"));
    private Path directory;

    private PipelineJar(Map<String, String> environment) {
        this.environment = new HashMap<>(environment);
    }

    /** A run with these environment variables on top of the test JVM's own. */
    public static PipelineJar withEnvironment(Map<String, String> environment) {
        return new PipelineJar(environment);
    }

    /** JVM options instead of the default heap of 512 MiB. */
    public PipelineJar jvm(String... options) {
        jvmOptions.clear();
        jvmOptions.addAll(List.of(options));
        return this;
    }

    /** Runs in this working directory (where it reads application.properties, routes/ and schema/). */
    public PipelineJar in(Path workingDirectory) {
        this.directory = workingDirectory;
        return this;
    }

    /** Starts the jar with these arguments; standard output and error go to {@code log}. */
    public Process start(Path log, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", Path.of("target", "cdc-pipeline.jar").toAbsolutePath().toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        if (directory != null) {
            pb.directory(directory.toFile());
        }
        pb.environment().putAll(environment);
        return pb.start();
    }

    /** Starts the jar and waits for its banner; fails with the log's end when it exits first. */
    public Process startRunning(Path log, Duration atMost, String... args) throws IOException {
        Process process = start(log, args);
        awaitRunning(process, log, atMost);
        return process;
    }

    /** Waits until the process prints its banner; fails with the log's end when it exits first. */
    public static void awaitRunning(Process process, Path log, Duration atMost) {
        await("pipeline start, see " + log).atMost(atMost).pollInterval(Duration.ofMillis(500)).until(() -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("The pipeline exited with " + process.exitValue() + " while starting:\n"
                        + tail(log, 40));
            }
            return output(log).contains(RUNNING);
        });
    }

    /** Everything the process wrote so far ("" before it wrote anything). */
    public static String output(Path log) {
        try {
            // a malformed byte in the log must not fail a wait on it
            return Files.exists(log) ? new String(Files.readAllBytes(log), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(" + log + " unreadable: " + e.getMessage() + ")";
        }
    }

    /** The last lines the process wrote, for a failure message. */
    public static String tail(Path log, int lines) {
        List<String> all = output(log).lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** Ctrl-C (SIGTERM), and kill -9 if the process has not stopped within a minute. */
    public static void stop(Process process) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }
}
