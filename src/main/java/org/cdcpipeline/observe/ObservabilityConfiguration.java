package org.cdcpipeline.observe;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.PropertyInject;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.ThreadPoolProfileBuilder;
import org.apache.camel.spi.Registry;
import org.apache.camel.util.concurrent.ThreadPoolRejectedPolicy;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.cdcpipeline.ClosedAtStop;
import org.cdcpipeline.PipelineConfiguration;
import org.cdcpipeline.PostgresDataSource;
import org.cdcpipeline.aggregate.AggregateStats;
import org.cdcpipeline.archive.ArchiveIntake;
import org.cdcpipeline.archive.ArchiveStats;
import org.cdcpipeline.cdc.CaptureRole;
import org.cdcpipeline.cdc.CaptureStats;
import org.cdcpipeline.cdc.CaptureStreaming;
import org.cdcpipeline.cdc.CaptureTopics;
import org.cdcpipeline.cdc.DeadLetterStatus;
import org.cdcpipeline.cdc.SlotLag;
import org.cdcpipeline.csv.ImportStats;
import org.cdcpipeline.management.JmxServer;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Operations: remote JMX, the readiness checks of the services the enabled stages use, the pipeline's metrics, and
 * the lag monitor behind the metrics and the catch-up log. Runs after {@code PipelineConfiguration}, whose beans it
 * reads (its configure, which makes them, runs first).
 */
public final class ObservabilityConfiguration implements CamelConfiguration {

    private static final String METRICS_REGISTRY = "metricsRegistry";

    @PropertyInject("cdc.enabled")
    private boolean cdc;
    @PropertyInject("archive.enabled")
    private boolean archive;
    @PropertyInject("aggregate.enabled")
    private boolean aggregates;
    @PropertyInject("observe.enabled")
    private boolean metricsEnabled;
    @PropertyInject("health.timeout-ms")
    private long timeout;
    @PropertyInject("health.cache-ms")
    private long cacheMillis;
    @PropertyInject("health.slot-lag-max-bytes")
    private long slotLagMaxBytes;
    @PropertyInject("cdc.slot-name")
    private String slot;
    @PropertyInject("cdc.slot-lag-warn-bytes")
    private long slotLagWarnBytes;
    @PropertyInject("observe.caught-up-slot-lag-bytes")
    private long caughtUpSlotLagBytes;
    @PropertyInject("observe.caught-up-consumer-lag")
    private long caughtUpConsumerLag;

    @Override
    public void configure(CamelContext context) throws Exception {
        Function<String, String> config = PipelineConfiguration.config(context);
        Registry beans = context.getRegistry();

        JmxServer jmx = JmxServer.fromConfig(config);
        if (jmx != null) {
            context.addService(jmx, true, true);
        }
        Admin admin = beans.lookupByNameAndType("kafkaAdmin", Admin.class);
        HikariDataSource probeDb = PostgresDataSource.forProbes(config, timeout);
        ClosedAtStop.register(context, probeDb);
        // the lag of the slot for health and metrics, on the probes' connection rather than the import's pool
        SlotLag slotLag = new SlotLag(probeDb, slot, slotLagWarnBytes);
        bindHealthChecks(context, config, admin, probeDb, slotLag);

        PipelineMetrics metrics = null;
        if (metricsEnabled) {
            // the registry Camel's Prometheus endpoint serves: the one it made already, or one it will find by name
            MeterRegistry registry = beans.lookupByNameAndType(METRICS_REGISTRY, MeterRegistry.class);
            if (registry == null) {
                registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
                beans.bind(METRICS_REGISTRY, registry);
            }
            PerBatchRouteMetrics routeMetrics = new PerBatchRouteMetrics(registry);
            context.addService(routeMetrics);
            context.addRoutePolicyFactory(routeMetrics);
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
        beans.bind("pipelineMonitor", new PipelineMonitor(admin, sources, caughtUpSlotLagBytes, caughtUpConsumerLag,
                metrics));
    }

    /** A readiness check to bind: its bean name, id, probe, and what to check when it fails. */
    private record Dependency(String bean, String id, DependencyCheck.Probe probe, String fix) {
    }

    /**
     * Readiness: PostgreSQL always (the CSV import), Kafka, S3 and the slot lag for the stages that use them, and the
     * aggregates' batches. The probes run on a pool of their own, one thread per check (a check runs one probe at a
     * time), and PostgreSQL's on a connection of their own: however often health is asked for, the import keeps its
     * connections and threads.
     */
    private void bindHealthChecks(CamelContext context, Function<String, String> config, Admin admin,
                                  DataSource probeDb, SlotLag slotLag) {
        Registry beans = context.getRegistry();
        List<Dependency> dependencies = new ArrayList<>();
        String postgres = config.apply("postgres.host") + ":" + config.apply("postgres.port");
        dependencies.add(new Dependency("postgresqlHealthCheck", "postgresql", () -> {
            try (Connection c = probeDb.getConnection(); Statement st = c.createStatement()) {
                st.setQueryTimeout((int) Math.max(1, timeout / 1000));
                st.execute("SELECT 1");
            }
            return postgres;
        }, "check that PostgreSQL runs at " + postgres + " (POSTGRES_HOST, POSTGRES_PORT)"));
        if (cdc || archive || aggregates) {
            String kafka = config.apply("kafka.bootstrap-servers");
            dependencies.add(new Dependency("kafkaHealthCheck", "kafka", () -> {
                int brokers = admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout)).nodes()
                        .get(timeout, TimeUnit.MILLISECONDS).size();
                return brokers + " broker(s) at " + kafka;
            }, "check that Kafka runs at " + kafka + " (KAFKA_BOOTSTRAP_SERVERS)"));
        }
        if (archive || aggregates) {
            S3Client s3 = beans.lookupByNameAndType("s3Client", S3Client.class);
            String bucket = config.apply("s3.bucket");
            String endpoint = config.apply("s3.endpoint");
            dependencies.add(new Dependency("s3HealthCheck", "s3", () -> {
                s3.headBucket(b -> b.bucket(bucket).overrideConfiguration(o -> o.apiCallTimeout(Duration.ofMillis(timeout))));
                return "bucket " + bucket;
            }, "check that S3 at " + endpoint + " runs and holds bucket " + bucket
                    + " (S3_ENDPOINT, S3_BUCKET, S3_ACCESS_KEY, S3_SECRET_KEY)"));
        }
        if (cdc) {
            DeadLetterStatus deadLetters = beans.lookupByNameAndType("deadLetterStatus", DeadLetterStatus.class);
            String topic = config.apply("cdc.dead-letter-topic");
            dependencies.add(new Dependency("captureDeadLettersHealthCheck", "capture-dead-letters", () -> {
                String failure = deadLetters.failure();
                if (failure != null) {
                    throw new IllegalStateException("a dead letter cannot be published to " + topic + " (" + failure
                            + "), so capture waits");
                }
                return "dead letters reach " + topic;
            }, "check that Kafka accepts records on " + topic + " (cdc.dead-letter-topic)"));
            long max = slotLagMaxBytes;
            dependencies.add(new Dependency("slotLagHealthCheck", "replication-slot-lag", () -> {
                long lag = slotLag.measure();
                if (lag > max) {
                    throw new IllegalStateException("replication slot " + slotLag.slot() + " holds " + lag
                            + " bytes of WAL, more than health.slot-lag-max-bytes=" + max);
                }
                return lag < 0 ? "slot " + slotLag.slot() + " not created yet" : lag + " bytes behind";
            }, "capture is behind or stopped: check the cdc-capture route and the log"));
        }
        int threads = dependencies.size();
        ExecutorService probes = context.getExecutorServiceManager().newThreadPool(DependencyCheck.class, "health-probes",
                new ThreadPoolProfileBuilder("health-probes").poolSize(threads).maxPoolSize(threads)
                        .maxQueueSize(threads).rejectedPolicy(ThreadPoolRejectedPolicy.Abort).build());
        DependencyCheck.Limits limits = new DependencyCheck.Limits(probes, timeout, cacheMillis);
        for (Dependency d : dependencies) {
            beans.bind(d.bean(), new DependencyCheck(d.id(), d.probe(), limits, d.fix()));
        }
        if (cdc) {
            beans.bind("captureRoleHealthCheck", new CaptureRoleCheck(beans.lookupByNameAndType("captureRole", CaptureRole.class)));
            beans.bind("captureTopicsHealthCheck", new CaptureTopicsCheck(beans.lookupByNameAndType("captureTopics", CaptureTopics.class)));
            beans.bind("captureStreamingHealthCheck", new CaptureStreamingCheck(beans.lookupByNameAndType("captureStreaming", CaptureStreaming.class)));
        }
        if (aggregates) {
            beans.bind("aggregatesHealthCheck", new AggregatesCheck(beans.lookupByNameAndType("aggregateStats", AggregateStats.class)));
        }
    }
}
