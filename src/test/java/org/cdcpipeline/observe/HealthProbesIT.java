package org.cdcpipeline.observe;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.cdcpipeline.TcpProxy;
import org.cdcpipeline.TestPipeline;
import org.cdcpipeline.TestServices;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Health while PostgreSQL hangs (connections accepted, nothing answered) and many clients keep asking: the probe
 * reports DOWN within health.timeout-ms, requests are answered at once instead of piling up behind the hung probe,
 * and no probe thread is added per request; UP again once PostgreSQL answers.
 */
class HealthProbesIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final long TIMEOUT_MS = 1000;

    private static TcpProxy postgres;
    private static Map<String, String> config;
    private static TestPipeline pipeline;

    @BeforeAll
    static void start() throws IOException {
        postgres = new TcpProxy(Integer.parseInt(TestServices.endpoints().get("postgres.port")));
        postgres.up();
        Path csvDir = Files.createTempDirectory("health-probes-it");
        config = new HashMap<>(Map.of("csv.dir", csvDir.toString(), "csv.schema", "health_probes_it",
                "postgres.host", "127.0.0.1", "postgres.port", String.valueOf(postgres.port()),
                "observe.enabled", "true", "observe.port", String.valueOf(TestServices.freePort()),
                "health.timeout-ms", String.valueOf(TIMEOUT_MS), "health.cache-ms", "500",
                "pipeline.data-dir", csvDir.resolve("data").toString()));
        pipeline = TestPipeline.start(config);
    }

    @AfterAll
    static void stop() throws Exception {
        postgres.resume();
        pipeline.close();
        postgres.close();
    }

    @Test
    void shouldReportPostgresqlDownWithinTheTimeoutWhileItHangsWithoutAThreadPerRequest() throws Exception {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(get("/observe/health").statusCode()).isEqualTo(200));
        int threadsBefore = probeThreads();

        postgres.stall();
        try {
            long stalled = System.nanoTime();
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
                HttpResponse<String> health = get("/observe/health");
                assertThat(health.statusCode()).isEqualTo(503);
                assertThat(health.body()).contains("\"postgresql\"");
            });
            // the cached UP answer, then one probe's timeout, and some room for a busy machine
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stalled)).isLessThan(500 + TIMEOUT_MS + 2000);

            // 50 requests at once, every second, for 5 s
            List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
            for (int second = 0; second < 5; second++) {
                long next = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                for (int i = 0; i < 50; i++) {
                    answers.add(HTTP.sendAsync(request("/observe/health"), HttpResponse.BodyHandlers.ofString()));
                }
                TimeUnit.NANOSECONDS.sleep(next - System.nanoTime());
            }
            for (CompletableFuture<HttpResponse<String>> answer : answers) {
                HttpResponse<String> health = answer.get(30, TimeUnit.SECONDS);
                assertThat(health.statusCode()).isEqualTo(503);
                assertThat(health.body()).contains("\"postgresql\"");
            }
            assertThat(probeThreads()).isLessThanOrEqualTo(threadsBefore + 1);
        } finally {
            postgres.resume();
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(get("/observe/health").statusCode()).isEqualTo(200));
    }

    /** Threads of the health probes' pools in this JVM. */
    private static int probeThreads() {
        return (int) Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().contains("health-probes")).count();
    }

    private static HttpRequest request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + config.get("observe.port") + path))
                .timeout(Duration.ofSeconds(10)).build();
    }

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(request(path), HttpResponse.BodyHandlers.ofString());
    }
}
