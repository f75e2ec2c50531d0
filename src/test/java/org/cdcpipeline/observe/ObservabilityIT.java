package org.cdcpipeline.observe;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;

import org.cdcpipeline.TcpProxy;
import org.cdcpipeline.TestPipeline;
import org.cdcpipeline.TestServices;
import org.cdcpipeline.management.JmxServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The operator's view of a running pipeline: routes managed from a remote JMX client, readiness that follows the
 * services, and the pipeline's figures in the Prometheus metrics.
 */
class ObservabilityIT {

    private static final String SCHEMA = "observe_it";
    private static final String SLOT = "observe_it";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static Path csvDir;
    private static TcpProxy s3;
    private static Map<String, String> config;
    private static TestPipeline pipeline;

    @BeforeAll
    static void start() throws IOException {
        csvDir = Files.createTempDirectory("observe-it");
        URI s3Endpoint = URI.create(TestServices.endpoints().get("s3.endpoint"));
        s3 = new TcpProxy(s3Endpoint.getPort());
        s3.up();
        config = new HashMap<>(Map.of(
                "csv.dir", csvDir.toString(), "csv.schema", SCHEMA,
                "jmx.enabled", "true", "jmx.port", String.valueOf(TestServices.freePort()),
                "observe.enabled", "true", "observe.port", String.valueOf(TestServices.freePort()),
                "observe.lag-interval-ms", "300", "s3.endpoint", "http://127.0.0.1:" + s3.port()));
        // capture and the archive of this schema's tables: readiness covers Kafka, S3 and the slot lag
        config.put("cdc.enabled", "true");
        config.put("cdc.slot-name", SLOT);
        config.put("cdc.publication-name", SLOT);
        config.put("cdc.offset-flush-interval-ms", "200");
        config.put("topic.prefix", "observe_it");
        config.put("archive.enabled", "true");
        config.put("archive.group-id", "observe-it-archive");
        config.put("archive.batch-max-age-ms", "1000");
        config.put("pipeline.data-dir", csvDir.resolve("data").toString());
        pipeline = TestPipeline.start(config);
    }

    @AfterAll
    static void stop() throws Exception {
        pipeline.close();
        s3.close();
        // an abandoned slot would hold WAL back for the rest of the test run
        TestServices.execute("SELECT pg_drop_replication_slot('" + SLOT + "')");
    }

    @Test
    void shouldStopStartSuspendAndResumeARouteFromAJmxClient() throws Exception {
        Map<String, String> client = Map.of("jmx.host", "127.0.0.1", "jmx.port", config.get("jmx.port"), "jmx.user", "");
        try (JMXConnector connector = JmxServer.connect(key -> client.getOrDefault(key, ""))) {
            MBeanServerConnection jmx = connector.getMBeanServerConnection();
            Set<ObjectName> routes = jmx.queryNames(new ObjectName("org.apache.camel:context=cdc-pipeline,type=routes,*"), null);
            assertThat(routes).extracting(n -> n.getKeyProperty("name")).contains("\"csv-import\"", "\"raw-archive\"");
            ObjectName csvImport = new ObjectName("org.apache.camel:context=cdc-pipeline,type=routes,name=\"csv-import\"");

            jmx.invoke(csvImport, "stop", null, null);
            assertThat(jmx.getAttribute(csvImport, "State")).isEqualTo("Stopped");
            drop("jmx_stopped.csv", "id,nazwa\n1,Firma X\n2,Firma Y\n");
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4))
                    .until(() -> Files.exists(csvDir.resolve("jmx_stopped.csv")));

            jmx.invoke(csvImport, "start", null, null);
            assertThat(jmx.getAttribute(csvImport, "State")).isEqualTo("Started");
            await().atMost(Duration.ofSeconds(30)).until(() -> rows("jmx_stopped") == 2);

            jmx.invoke(csvImport, "suspend", null, null);
            assertThat(jmx.getAttribute(csvImport, "State")).isEqualTo("Suspended");
            drop("jmx_suspended.csv", "id,nazwa\n1,Firma X\n");
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4))
                    .until(() -> Files.exists(csvDir.resolve("jmx_suspended.csv")));
            jmx.invoke(csvImport, "resume", null, null);
            assertThat(jmx.getAttribute(csvImport, "State")).isEqualTo("Started");
            await().atMost(Duration.ofSeconds(30)).until(() -> rows("jmx_suspended") == 1);
        }
    }

    @Test
    void shouldReportNotReadyNamingS3WhileS3IsUnreachableAndReadyWhenItIsBack() throws Exception {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(get("/observe/health").statusCode()).isEqualTo(200);
            assertThat(get("/observe/health/ready").body()).contains("UP");
        });
        s3.down();
        try {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                HttpResponse<String> ready = get("/observe/health/ready");
                assertThat(ready.statusCode()).isEqualTo(503);
                assertThat(ready.body()).contains("DOWN").contains("\"s3\"");
                assertThat(ready.body()).doesNotContain("\"postgresql\"");
            });
        } finally {
            s3.up();
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            HttpResponse<String> ready = get("/observe/health/ready");
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(ready.body()).contains("UP");
        });
    }

    @Test
    void shouldExposeThePipelineFiguresAsPrometheusMetricsAfterACsvImport() throws Exception {
        drop("metrics_sample.csv", "id,nazwa,wiek\n1,Anna,34\n2,Jan,41\n3,Ewa\n4,Piotr,29\n");
        String topic = "observe_it." + SCHEMA + ".metrics_sample";
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            String metrics = get("/observe/metrics").body();
            assertThat(metrics).contains("csv_rows_imported_total{table=\"metrics_sample\"} 3.0")
                    .contains("csv_rows_rejected_total{table=\"metrics_sample\"} 1.0")
                    .contains("cdc_events_captured_total{table=\"metrics_sample\",topic=\"" + topic + "\"} 3.0")
                    .containsPattern("archive_objects_written_total\\{table=\"metrics_sample\"} [1-9]")
                    .containsPattern("archive_bytes_written_total\\{table=\"metrics_sample\"} [1-9]")
                    .contains("kafka_consumer_lag{group=\"observe-it-archive\",topic=\"" + topic + "\"} 0.0")
                    .contains("dead_letters_total{topic=\"observe_it.dead-letter\"} 0.0")
                    .containsPattern("(?m)^cdc_slot_lag_bytes [0-9]");
        });
    }

    private static void drop(String name, String content) throws IOException {
        Path tmp = csvDir.resolve("." + name + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, csvDir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    }

    private static long rows(String table) {
        try {
            return Long.parseLong(TestServices.column("SELECT count(*) FROM " + SCHEMA + "." + table).get(0));
        } catch (Exception e) {
            return -1; // not created yet
        }
    }

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + config.get("observe.port") + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
