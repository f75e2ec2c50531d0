package org.cdcpipeline;

import java.nio.charset.Charset;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;

import com.zaxxer.hikari.HikariDataSource;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.cdcpipeline.aggregate.AggregateStats;
import org.cdcpipeline.aggregate.AggregateStore;
import org.cdcpipeline.archive.ArchiveBatchKey;
import org.cdcpipeline.archive.ArchiveBatching;
import org.cdcpipeline.archive.ArchiveIntake;
import org.cdcpipeline.archive.ArchiveLag;
import org.cdcpipeline.archive.ArchiveStats;
import org.cdcpipeline.archive.ArchiveSubscribeAdapter;
import org.cdcpipeline.archive.S3ArchiveObjects;
import org.cdcpipeline.cdc.CaptureStats;
import org.cdcpipeline.cdc.CapturedTables;
import org.cdcpipeline.cdc.CaptureTopics;
import org.cdcpipeline.cdc.ChangeEventRecord;
import org.cdcpipeline.cdc.DeadLetter;
import org.cdcpipeline.cdc.DeadLetterStatus;
import org.cdcpipeline.cdc.KafkaBatch;
import org.cdcpipeline.cdc.PublishedEvents;
import org.cdcpipeline.cdc.SlotLag;
import org.cdcpipeline.csv.AllowedTables;
import org.cdcpipeline.csv.CsvImporter;
import org.cdcpipeline.csv.CsvReadLock;
import org.cdcpipeline.csv.ImportStats;
import org.cdcpipeline.csv.OwnedTables;

/** Binds the beans the routes call, built from the configuration (after the embedded services have started). */
public final class PipelineConfiguration implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) throws Exception {
        // The Camel CLI loads this project's jar in a child class loader; Debezium and Kafka look classes up through
        // the context class loader of the threads that create them, which all descend from this one.
        Thread.currentThread().setContextClassLoader(PipelineConfiguration.class.getClassLoader());
        PropertiesComponent properties = context.getPropertiesComponent();
        Function<String, String> config = key -> properties.resolveProperty(key).orElse("");

        ExampleSecrets.refuse(config);
        // local state (capture offsets) lives here even when every service is external
        OwnerOnly.directory(Path.of(config.apply("pipeline.data-dir")));
        HikariDataSource dataSource = PostgresDataSource.create(config);
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                dataSource.close();
            }
        }, true, true);
        context.getRegistry().bind("dataSource", dataSource);
        boolean cdcEnabled = Boolean.parseBoolean(config.apply("cdc.enabled"));
        if (cdcEnabled) {
            PostgresDataSource.requireLogicalDecoding(dataSource, config);
        }

        Path csvDir = Path.of(config.apply("csv.dir"));
        ImportStats importStats = new ImportStats(csvDir, config.apply("csv.include"));
        context.getRegistry().bind("importStats", importStats);
        context.getRegistry().bind("csvReadLock", new CsvReadLock(csvDir,
                Long.parseLong(config.apply("csv.read-lock-check-interval-ms")),
                Long.parseLong(config.apply("csv.read-lock-min-age-ms")),
                Long.parseLong(config.apply("csv.read-lock-timeout-ms"))));
        CsvImporter csvImporter = new CsvImporter(dataSource, importStats, csvDir, config.apply("csv.schema"),
                Path.of(config.apply("csv.schema-dir")), Integer.parseInt(config.apply("csv.batch-size")),
                Charset.forName(config.apply("csv.charset")), Long.parseLong(config.apply("csv.max-record-chars")),
                () -> !context.getStatus().isStarted(), AllowedTables.parse(config.apply("csv.allowed-tables")),
                new OwnedTables(config.apply("csv.registry-table"), config.apply("csv.schema"),
                        config.apply("cdc.publication-name")));
        // before any route starts: capture needs the tables to exist
        csvImporter.createDeclaredTables();
        CapturedTables capturedTables = new CapturedTables(dataSource, cdcEnabled, config.apply("cdc.publication-name"),
                config.apply("cdc.tables"), config.apply("cdc.signal-table"), config.apply("cdc.slot-name"),
                config.apply("cdc.snapshot-mode"), () -> restartRoute(context, "cdc-capture"),
                config.apply("cdc.heartbeat-query"));
        capturedTables.prepare();
        context.getRegistry().bind("capturedTables", capturedTables);
        boolean aggregatesEnabled = Boolean.parseBoolean(config.apply("aggregate.enabled"));
        AggregateStore aggregateStore = new AggregateStore(dataSource, config.apply("aggregate.state-schema"));
        if (aggregatesEnabled) {
            aggregateStore.createTables();
        }
        context.getRegistry().bind("aggregateStore", aggregateStore);
        AggregateStats aggregateStats = new AggregateStats(aggregatesEnabled,
                config.apply("kafka.bootstrap-servers"));
        context.addService(aggregateStats, true, true);
        context.getRegistry().bind("aggregateStats", aggregateStats);
        context.getRegistry().bind("changeEventRecord", new ChangeEventRecord(config.apply("topic.prefix")));
        context.getRegistry().bind("deadLetter", new DeadLetter(config.apply("cdc.dead-letter-topic")));
        PublishedEvents inFlight = PublishedEvents.forOffsetsFile(config.apply("cdc.offsets-file"))
                .withCapacity(Integer.parseInt(config.apply("cdc.max-in-flight")));
        context.getRegistry().bind("cdcInFlight", inFlight);
        context.getRegistry().bind("kafkaBatch", new KafkaBatch());
        context.getRegistry().bind("cdcDeadLetterStatus", new DeadLetterStatus());
        Admin topicAdmin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                config.apply("kafka.bootstrap-servers")));
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                topicAdmin.close(Duration.ofSeconds(5));
            }
        }, true, true);
        context.getRegistry().bind("captureTopics", new CaptureTopics(topicAdmin,
                Integer.parseInt(config.apply("kafka.max-message-bytes"))));
        context.getRegistry().bind("slotLag", new SlotLag(dataSource, config.apply("cdc.slot-name"),
                Long.parseLong(config.apply("cdc.slot-lag-warn-bytes"))));
        context.getRegistry().bind("captureStats", new CaptureStats(cdcEnabled,
                config.apply("topic.prefix"), inFlight));
        context.getRegistry().bind("csvImporter", csvImporter);
        bindArchive(context, config);
    }

    /**
     * The raw archive's beans (bound also when the archive is off: the route exists, stopped); with the archive on,
     * the bucket must be reachable with the configured keys.
     */
    private static void bindArchive(CamelContext context, Function<String, String> config) throws Exception {
        boolean enabled = Boolean.parseBoolean(config.apply("archive.enabled"));
        // Parquet's Hadoop layer registers a JVM shutdown hook when first used; first used during a stop (a batch
        // written while the pipeline stops), that fails with a warning: register it now
        org.apache.hadoop.util.ShutdownHookManager.get();
        ArchiveStats stats = new ArchiveStats(enabled);
        context.getRegistry().bind("archiveStats", stats);
        var s3 = S3ArchiveObjects.client(config.apply("s3.endpoint"), config.apply("s3.region"),
                config.apply("s3.access-key"), config.apply("s3.secret-key"));
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                s3.close();
            }
        }, true, true);
        S3ArchiveObjects objects = new S3ArchiveObjects(s3, config.apply("s3.bucket"));
        // the archive and the aggregate snapshots write to the bucket
        if (enabled || Boolean.parseBoolean(config.apply("aggregate.enabled"))) {
            objects.requireBucket(config.apply("s3.endpoint"));
        }
        ArchiveIntake intake = new ArchiveIntake(objects, Integer.parseInt(config.apply("archive.dedup-window")), stats,
                Long.parseLong(config.apply("archive.max-in-flight")),
                Duration.ofMillis(Long.parseLong(config.apply("archive.retry.initial-delay-ms"))));
        context.addService(intake, true, true);
        context.getRegistry().bind("s3Client", s3);
        context.getRegistry().bind("archiveIntake", intake);
        context.getRegistry().bind("archiveBatchKey", new ArchiveBatchKey());
        // camel-kafka's hook into each consumer's rebalance listener: the archive learns which partitions it loses
        context.getRegistry().bind("subscribeAdapter", new ArchiveSubscribeAdapter(config.apply("archive.topics"), intake));
        if (enabled) {
            ArchiveLag lag = new ArchiveLag(config.apply("kafka.bootstrap-servers"), config.apply("archive.topics"));
            context.addService(new ServiceSupport() {
                @Override
                protected void doStop() {
                    lag.close();
                }
            }, true, true);
            stats.caughtUpWhen(() -> lag.caughtUp(intake::lastReceived));
        }
        context.getRegistry().bind("archiveBatching", new ArchiveBatching(intake, stats,
                Integer.parseInt(config.apply("archive.retry.max-attempts"))));
    }

    private static void restartRoute(CamelContext context, String routeId) {
        try {
            context.getRouteController().stopRoute(routeId);
            context.getRouteController().startRoute(routeId);
        } catch (Exception e) {
            throw new IllegalStateException("Could not restart route " + routeId + ": " + e.getMessage(), e);
        }
    }
}
