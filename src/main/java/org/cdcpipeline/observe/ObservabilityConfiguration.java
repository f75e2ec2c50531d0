package org.cdcpipeline.observe;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.Registry;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.cdcpipeline.aggregate.AggregateStats;
import org.cdcpipeline.archive.ArchiveIntake;
import org.cdcpipeline.archive.ArchiveStats;
import org.cdcpipeline.cdc.CaptureStats;
import org.cdcpipeline.cdc.DeadLetterStatus;
import org.cdcpipeline.cdc.SlotLag;
import org.cdcpipeline.csv.CsvImporter;
import org.cdcpipeline.csv.ImportStats;
import org.cdcpipeline.management.JmxServer;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Operations: remote JMX, the readiness checks of the services the enabled stages use, the pipeline's metrics, and
 * the lag monitor behind the metrics and the catch-up log. Runs after {@code PipelineConfiguration}, whose beans it
 * reads.
 */
public final class ObservabilityConfiguration implements CamelConfiguration {

    private static final String METRICS_REGISTRY = "metricsRegistry";

    @Override
    public void configure(CamelContext context) throws Exception {
        Function<String, String> config = key -> context.getPropertiesComponent().resolveProperty(key).orElse("");
        Registry beans = context.getRegistry();
        boolean cdc = enabled(config, "cdc.enabled");
        boolean archive = enabled(config, "archive.enabled");
        boolean aggregates = enabled(config, "aggregate.enabled");

        JmxServer jmx = JmxServer.fromConfig(config);
        if (jmx != null) {
            context.addService(jmx, true, true);
        }
        beans.lookupByNameAndType("csvImporter", CsvImporter.class)
                .setProgressIntervalMillis(Long.parseLong(config.apply("csv.progress-interval-ms")));

        Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.apply("kafka.bootstrap-servers"),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000));
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                admin.close(Duration.ofSeconds(5));
            }
        }, true, true);
        SlotLag slotLag = beans.lookupByNameAndType("slotLag", SlotLag.class);
        bindHealthChecks(context, config, admin, slotLag, cdc, archive, aggregates);

        PipelineMetrics metrics = null;
        if (enabled(config, "observe.enabled")) {
            // the registry Camel's Prometheus endpoint serves: the one it made already, or one it will find by name
            MeterRegistry registry = beans.lookupByNameAndType(METRICS_REGISTRY, MeterRegistry.class);
            if (registry == null) {
                registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
                beans.bind(METRICS_REGISTRY, registry);
            }
            metrics = new PipelineMetrics(registry, beans.lookupByNameAndType("captureStats", CaptureStats.class),
                    beans.lookupByNameAndType("archiveStats", ArchiveStats.class),
                    beans.lookupByNameAndType("aggregateStats", AggregateStats.class),
                    beans.lookupByNameAndType("importStats", ImportStats.class));
        }
        List<String> deadLetterTopics = new ArrayList<>();
        if (cdc) {
            deadLetterTopics.add(config.apply("cdc.dead-letter-topic"));
        }
        if (aggregates) {
            deadLetterTopics.add(config.apply("aggregate.dead-letter-topic"));
        }
        if (archive) {
            deadLetterTopics.add(config.apply("archive.dead-letter-topic"));
        }
        PipelineMonitor.Sources sources = new PipelineMonitor.Sources(cdc ? slotLag : null,
                archive ? config.apply("archive.group-id") : null,
                archive ? Pattern.compile(config.apply("archive.topics")) : null,
                archive ? beans.lookupByNameAndType("archiveIntake", ArchiveIntake.class) : null,
                aggregates ? beans.lookupByNameAndType("aggregateStats", AggregateStats.class) : null,
                deadLetterTopics);
        beans.bind("pipelineMonitor", new PipelineMonitor(admin, sources,
                Long.parseLong(config.apply("observe.caught-up-slot-lag-bytes")),
                Long.parseLong(config.apply("observe.caught-up-consumer-lag")), metrics));
    }

    /**
     * Readiness: PostgreSQL always (the CSV import), Kafka, S3 and the slot lag for the stages that use them, and the
     * aggregates' batches.
     */
    private static void bindHealthChecks(CamelContext context, Function<String, String> config, Admin admin,
                                         SlotLag slotLag, boolean cdc, boolean archive, boolean aggregates) {
        Registry beans = context.getRegistry();
        ExecutorService probes = context.getExecutorServiceManager().newCachedThreadPool(admin, "health-probes");
        long timeout = Long.parseLong(config.apply("health.timeout-ms"));
        DataSource dataSource = beans.lookupByNameAndType("dataSource", DataSource.class);
        String postgres = config.apply("postgres.host") + ":" + config.apply("postgres.port");
        beans.bind("postgresqlHealthCheck", new DependencyCheck("postgresql", () -> {
            try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
                st.setQueryTimeout((int) Math.max(1, timeout / 1000));
                st.execute("SELECT 1");
            }
            return postgres;
        }, probes, timeout, "check that PostgreSQL runs at " + postgres + " (POSTGRES_HOST, POSTGRES_PORT)"));
        if (cdc || archive || aggregates) {
            String kafka = config.apply("kafka.bootstrap-servers");
            beans.bind("kafkaHealthCheck", new DependencyCheck("kafka", () -> {
                int brokers = admin.describeCluster().nodes().get(timeout, TimeUnit.MILLISECONDS).size();
                return brokers + " broker(s) at " + kafka;
            }, probes, timeout, "check that Kafka runs at " + kafka + " (KAFKA_BOOTSTRAP_SERVERS)"));
        }
        if (archive || aggregates) {
            S3Client s3 = beans.lookupByNameAndType("s3Client", S3Client.class);
            String bucket = config.apply("s3.bucket");
            String endpoint = config.apply("s3.endpoint");
            beans.bind("s3HealthCheck", new DependencyCheck("s3", () -> {
                s3.headBucket(b -> b.bucket(bucket));
                return "bucket " + bucket;
            }, probes, timeout, "check that S3 at " + endpoint + " runs and holds bucket " + bucket
                    + " (S3_ENDPOINT, S3_BUCKET, S3_ACCESS_KEY, S3_SECRET_KEY)"));
        }
        if (aggregates) {
            beans.bind("aggregatesHealthCheck", new AggregatesCheck(beans.lookupByNameAndType("aggregateStats", AggregateStats.class)));
        }
        if (cdc) {
            DeadLetterStatus deadLetters = beans.lookupByNameAndType("cdcDeadLetterStatus", DeadLetterStatus.class);
            String topic = config.apply("cdc.dead-letter-topic");
            beans.bind("captureDeadLettersHealthCheck", new DependencyCheck("capture-dead-letters", () -> {
                String failure = deadLetters.failure();
                if (failure != null) {
                    throw new IllegalStateException("a dead letter cannot be published to " + topic + " (" + failure
                            + "), so capture waits");
                }
                return "dead letters reach " + topic;
            }, probes, timeout, "check that Kafka accepts records on " + topic + " (cdc.dead-letter-topic)"));
            long max = Long.parseLong(config.apply("health.slot-lag-max-bytes"));
            beans.bind("slotLagHealthCheck", new DependencyCheck("replication-slot-lag", () -> {
                long lag = slotLag.measure();
                if (lag > max) {
                    throw new IllegalStateException("replication slot " + slotLag.slot() + " holds " + lag
                            + " bytes of WAL, more than health.slot-lag-max-bytes=" + max);
                }
                return lag < 0 ? "slot " + slotLag.slot() + " not created yet" : lag + " bytes behind";
            }, probes, timeout, "capture is behind or stopped: check the cdc-capture route and the log"));
        }
    }

    private static boolean enabled(Function<String, String> config, String key) {
        return Boolean.parseBoolean(config.apply(key));
    }
}
