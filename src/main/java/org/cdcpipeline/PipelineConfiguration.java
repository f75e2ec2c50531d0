package org.cdcpipeline;

import java.nio.charset.Charset;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import com.zaxxer.hikari.HikariDataSource;
import org.apache.camel.BeanInject;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.cdcpipeline.aggregate.AggregateStats;
import org.cdcpipeline.aggregate.AggregateTopics;
import org.cdcpipeline.aggregate.AggregateStore;
import org.cdcpipeline.archive.ArchiveBatchKey;
import org.cdcpipeline.archive.ArchiveBatching;
import org.cdcpipeline.archive.ArchiveIntake;
import org.cdcpipeline.archive.ArchiveLag;
import org.cdcpipeline.archive.ArchiveStats;
import org.cdcpipeline.archive.ArchiveSubscribeAdapter;
import org.cdcpipeline.archive.BatchRecords;
import org.cdcpipeline.archive.S3ArchiveObjects;
import org.cdcpipeline.cdc.CaptureLock;
import org.cdcpipeline.cdc.CaptureRole;
import org.cdcpipeline.cdc.CaptureStats;
import org.cdcpipeline.cdc.CaptureStreaming;
import org.cdcpipeline.cdc.DebeziumErrors;
import org.cdcpipeline.cdc.CaptureTopics;
import org.cdcpipeline.cdc.CapturedTables;
import org.cdcpipeline.cdc.ChangeEventRecord;
import org.cdcpipeline.cdc.DeadLetterStatus;
import org.cdcpipeline.cdc.KafkaBatch;
import org.cdcpipeline.cdc.PublishedEvents;
import org.cdcpipeline.cdc.SlotLag;
import org.cdcpipeline.csv.AllowedTables;
import org.cdcpipeline.csv.BatchTransactions;
import org.cdcpipeline.csv.CsvBatches;
import org.cdcpipeline.csv.CsvFileReader;
import org.cdcpipeline.csv.CsvReadLock;
import org.cdcpipeline.csv.HeaderCheck;
import org.cdcpipeline.csv.ImportOutcomes;
import org.cdcpipeline.csv.ImportStats;
import org.cdcpipeline.csv.OwnedTables;
import org.cdcpipeline.csv.RowChecks;
import org.cdcpipeline.csv.TargetTables;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Binds the beans the routes call, built from the configuration (after the embedded services have started).
 * <p>
 * Each bean is a lazy {@code @BindToRegistry} method: it is made when first looked up, after the beans it names with
 * {@code @BeanInject}. Camel Main binds the beans of every configuration class before it calls any
 * {@link #configure}; this one then checks the configuration and makes the beans in {@link #START_ORDER}, so that
 * nothing connects anywhere before the checks, the CSV tables exist before capture prepares its publication, and
 * everything is ready before the routes start.
 */
public final class PipelineConfiguration implements CamelConfiguration {

    /** The order of the start: what each step needs is made on the way (the data source first of all). */
    static final List<String> START_ORDER = List.of("dataSource", "importStats", "csvReadLock", "csvFileReader",
            "headerCheck", "targetTables", "csvBatches", "batchTransactions", "importOutcomes",
            "capturedTables", "aggregateStore", "aggregateStats", "changeEventRecord", "publishedEvents", "kafkaBatch",
            "deadLetterStatus", "kafkaAdmin", "captureTopics", "slotLag", "captureStats", "captureRole", "captureStreaming", "archiveStats", "s3Client",
            "archiveIntake", "archiveBatchKey", "subscribeAdapter", "archiveLag", "archiveBatching");

    // beans of no settings

    @BindToRegistry("kafkaBatch")
    private final KafkaBatch kafkaBatch = new KafkaBatch();
    @BindToRegistry("deadLetterStatus")
    private final DeadLetterStatus deadLetterStatus = new DeadLetterStatus();
    @BindToRegistry("rowChecks")
    private final RowChecks rowChecks = new RowChecks();
    @BindToRegistry("archiveBatchKey")
    private final ArchiveBatchKey archiveBatchKey = new ArchiveBatchKey();

    @Override
    public void configure(CamelContext context) throws Exception {
        // The Camel CLI loads this project's jar in a child class loader; Debezium and Kafka look classes up through
        // the context class loader of the threads that create them, which all descend from this one.
        Thread.currentThread().setContextClassLoader(PipelineConfiguration.class.getClassLoader());
        Function<String, String> config = config(context);
        ExampleSecrets.refuse(config);
        // local state (capture offsets) lives here even when every service is external
        OwnerOnly.directory(Path.of(config.apply("pipeline.data-dir")));
        START_ORDER.forEach(context.getRegistry()::lookupByName);
        // the consumers of the tables the aggregates read, one per table, once the aggregates' routes are made
        context.addStartupListener(new AggregateTopics(
                () -> context.getRegistry().lookupByNameAndType("aggregateStats", AggregateStats.class)));
    }

    /** A configuration value, empty when not set: for the helpers that read several keys at once. */
    public static Function<String, String> config(CamelContext context) {
        return key -> context.getPropertiesComponent().resolveProperty(key).orElse("");
    }

    @BindToRegistry(value = "dataSource", lazy = true)
    public HikariDataSource dataSource(CamelContext context, @PropertyInject("cdc.enabled") boolean cdcEnabled) {
        Function<String, String> config = config(context);
        HikariDataSource dataSource = PostgresDataSource.create(config);
        ClosedAtStop.register(context, dataSource);
        if (cdcEnabled) {
            PostgresDataSource.requireLogicalDecoding(dataSource, config);
        }
        return dataSource;
    }

    // CSV import

    @BindToRegistry(value = "importStats", lazy = true)
    public ImportStats importStats(@PropertyInject("csv.dir") String csvDir, @PropertyInject("csv.include") String include) {
        return new ImportStats(Path.of(csvDir), include);
    }

    @BindToRegistry(value = "csvReadLock", lazy = true)
    public CsvReadLock csvReadLock(@PropertyInject("csv.dir") String csvDir,
            @PropertyInject("csv.read-lock-check-interval-ms") long checkIntervalMillis,
            @PropertyInject("csv.read-lock-min-age-ms") long minAgeMillis,
            @PropertyInject("csv.read-lock-timeout-ms") long timeoutMillis) {
        return new CsvReadLock(Path.of(csvDir), checkIntervalMillis, minAgeMillis, timeoutMillis);
    }

    @BindToRegistry(value = "csvFileReader", lazy = true)
    public CsvFileReader csvFileReader(@PropertyInject("csv.charset") String charset,
            @PropertyInject("csv.max-record-chars") long maxRecordChars,
            @PropertyInject("csv.progress-interval-ms") long progressIntervalMillis) {
        CsvFileReader reader = new CsvFileReader(Charset.forName(charset), maxRecordChars);
        reader.setProgressIntervalMillis(progressIntervalMillis);
        return reader;
    }

    @BindToRegistry(value = "headerCheck", lazy = true)
    public HeaderCheck headerCheck(@PropertyInject("csv.batch-size") int batchSize) {
        return new HeaderCheck(batchSize);
    }

    /** Creates the tables the schema directory declares: capture needs them before any route starts. */
    @BindToRegistry(value = "targetTables", lazy = true)
    public TargetTables targetTables(CamelContext context, @BeanInject("dataSource") HikariDataSource dataSource,
            @PropertyInject("csv.schema") String schema, @PropertyInject("csv.schema-dir") String schemaDir,
            @PropertyInject("csv.registry-table") String registryTable,
            @PropertyInject("cdc.publication-name") String publication) throws Exception {
        TargetTables targetTables = new TargetTables(dataSource, schema, Path.of(schemaDir),
                AllowedTables.parse(config(context).apply("csv.allowed-tables")),
                new OwnedTables(registryTable, schema, publication));
        targetTables.createDeclaredTables();
        return targetTables;
    }

    @BindToRegistry(value = "csvBatches", lazy = true)
    public CsvBatches csvBatches(CamelContext context, @PropertyInject("csv.batch-size") int batchSize) {
        // stopping, not "not started yet": the file routes may take a file while the rest of the context still starts
        return new CsvBatches(batchSize, () -> context.getStatus().isStopping() || context.getStatus().isStopped());
    }

    @BindToRegistry(value = "batchTransactions", lazy = true)
    public BatchTransactions batchTransactions(@BeanInject("dataSource") HikariDataSource dataSource) {
        return new BatchTransactions(dataSource);
    }

    @BindToRegistry(value = "importOutcomes", lazy = true)
    public ImportOutcomes importOutcomes(@BeanInject("importStats") ImportStats importStats,
            @PropertyInject("csv.dir") String csvDir) {
        return new ImportOutcomes(importStats, Path.of(csvDir));
    }

    // Change data capture

    /** Made with the pipeline's class loader as the thread's: Debezium looks its classes up through that one. */
    @BindToRegistry(value = "changeEventRecord", lazy = true)
    public ChangeEventRecord changeEventRecord(@PropertyInject("topic.prefix") String topicPrefix) {
        return new ChangeEventRecord(topicPrefix);
    }

    /** Prepares the publication, slot and signal table (after the CSV tables exist: they join the publication). */
    @BindToRegistry(value = "capturedTables", lazy = true)
    public CapturedTables capturedTables(@BeanInject("targetTables") TargetTables csvTablesCreated, CamelContext context,
            @BeanInject("dataSource") HikariDataSource dataSource, @PropertyInject("cdc.enabled") boolean cdcEnabled,
            @PropertyInject("cdc.publication-name") String publication, @PropertyInject("cdc.tables") String tables,
            @PropertyInject("cdc.signal-table") String signalTable, @PropertyInject("cdc.slot-name") String slot,
            @PropertyInject("cdc.snapshot-mode") String snapshotMode,
            @PropertyInject("cdc.heartbeat-query") String heartbeatQuery) throws Exception {
        CapturedTables capturedTables = new CapturedTables(dataSource, cdcEnabled, publication, tables, signalTable, slot,
                snapshotMode, () -> restartRoute(context, "cdc-capture"), heartbeatQuery);
        capturedTables.prepare();
        return capturedTables;
    }

    @BindToRegistry(value = "publishedEvents", lazy = true)
    public PublishedEvents publishedEvents(@PropertyInject("cdc.enabled") boolean cdcEnabled,
            @PropertyInject("cdc.max-in-flight") int maxInFlight) {
        PublishedEvents publishedEvents = new PublishedEvents(maxInFlight);
        if (cdcEnabled) {
            // the offset store finds it by this name (cdc-capture: offset.storage.acknowledgements); only a pipeline
            // that captures shares it, so another in the same JVM cannot take the name
            publishedEvents.shareAs("publishedEvents");
        }
        return publishedEvents;
    }

    @BindToRegistry(value = "captureTopics", lazy = true)
    public CaptureTopics captureTopics(@BeanInject("kafkaAdmin") Admin admin,
            @PropertyInject("kafka.max-message-bytes") int maxMessageBytes,
            @PropertyInject("cdc.topic-partitions") int partitions,
            @PropertyInject("cdc.topic-replication-factor") int replicationFactor,
            @PropertyInject(value = "cdc.topic-min-insync-replicas", defaultValue = "") String minInsyncReplicas) {
        return new CaptureTopics(admin, maxMessageBytes, partitions, replicationFactor, minInsyncReplicas);
    }

    @BindToRegistry(value = "slotLag", lazy = true)
    public SlotLag slotLag(@BeanInject("dataSource") HikariDataSource dataSource,
            @PropertyInject("cdc.slot-name") String slot, @PropertyInject("cdc.slot-lag-warn-bytes") long warnBytes) {
        return new SlotLag(dataSource, slot, warnBytes);
    }

    /** Which instance captures: the routes it names run only there (several instances may share one slot). */
    @BindToRegistry(value = "captureRole", lazy = true)
    public CaptureRole captureRole(CamelContext context, @PropertyInject("cdc.enabled") boolean cdcEnabled,
            @PropertyInject("cdc.slot-name") String slot, @PropertyInject("health.timeout-ms") long timeoutMillis)
            throws Exception {
        Function<String, String> config = config(context);
        CaptureLock lock = new CaptureLock(CaptureLock.source(config.apply("postgres.host"),
                Integer.parseInt(config.apply("postgres.port")), config.apply("postgres.db"), config.apply("postgres.user"),
                config.apply("postgres.password"), (int) Math.max(1, (timeoutMillis + 999) / 1000)), slot);
        // with capture off, no route is this role's to start (the doctor then shows them off in the configuration)
        CaptureRole role = new CaptureRole(lock, context,
                cdcEnabled ? List.of("cdc-capture", "cdc-table-discovery") : List.of());
        context.addService(role, true, true);
        if (cdcEnabled) {
            context.addStartupListener(role);
        }
        return role;
    }

    /**
     * Whether capture, where it runs, reads the slot and gets its events into Kafka, or retries a failure meanwhile
     * (health, log).
     */
    @BindToRegistry(value = "captureStreaming", lazy = true)
    public CaptureStreaming captureStreaming(CamelContext context, @BeanInject("captureRole") CaptureRole role,
            @BeanInject("publishedEvents") PublishedEvents published, @PropertyInject("topic.prefix") String topicPrefix,
            @PropertyInject("cdc.stalled-after-ms") long stalledAfter) throws Exception {
        CaptureStreaming streaming = new CaptureStreaming(topicPrefix, Duration.ofMillis(stalledAfter),
                () -> role.role() == CaptureRole.Role.CAPTURING, new DebeziumErrors(), published, Clock.systemUTC());
        context.addService(streaming, true, true);
        return streaming;
    }

    @BindToRegistry(value = "captureStats", lazy = true)
    public CaptureStats captureStats(@BeanInject("publishedEvents") PublishedEvents inFlight,
            @PropertyInject("cdc.enabled") boolean cdcEnabled, @PropertyInject("topic.prefix") String topicPrefix) {
        return new CaptureStats(cdcEnabled, topicPrefix, inFlight);
    }

    // Kafka, shared

    /**
     * The one Kafka admin client of the pipeline (capture's topics, the lag of the archive and the aggregates, health
     * and metrics): every call is bounded by its caller, each request by 5 s.
     */
    @BindToRegistry(value = "kafkaAdmin", lazy = true)
    public Admin kafkaAdmin(CamelContext context, @PropertyInject("kafka.bootstrap-servers") String bootstrapServers) {
        Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000));
        ClosedAtStop.register(context, () -> admin.close(Duration.ofSeconds(5)));
        return admin;
    }

    // Aggregates

    @BindToRegistry(value = "aggregateStore", lazy = true)
    public AggregateStore aggregateStore(@BeanInject("dataSource") HikariDataSource dataSource,
            @PropertyInject("aggregate.enabled") boolean enabled,
            @PropertyInject("aggregate.state-schema") String stateSchema)
            throws Exception {
        AggregateStore aggregateStore = new AggregateStore(dataSource, stateSchema);
        if (enabled) {
            aggregateStore.createTables();
        }
        return aggregateStore;
    }

    @BindToRegistry(value = "aggregateStats", lazy = true)
    public AggregateStats aggregateStats(CamelContext context, @BeanInject("kafkaAdmin") Admin admin,
            @PropertyInject("aggregate.enabled") boolean enabled) throws Exception {
        AggregateStats aggregateStats = new AggregateStats(enabled, admin);
        context.addService(aggregateStats, true, true);
        return aggregateStats;
    }

    // Raw archive (its beans are bound also when the archive is off: the route exists, stopped)

    @BindToRegistry(value = "archiveStats", lazy = true)
    public ArchiveStats archiveStats(@PropertyInject("archive.enabled") boolean enabled) {
        // Parquet's Hadoop layer registers a JVM shutdown hook when first used; first used during a stop (a batch
        // written while the pipeline stops), that fails with a warning: register it now
        org.apache.hadoop.util.ShutdownHookManager.get();
        return new ArchiveStats(enabled);
    }

    @BindToRegistry(value = "s3Client", lazy = true)
    public S3Client s3Client(CamelContext context, @PropertyInject("s3.endpoint") String endpoint,
            @PropertyInject("s3.region") String region) {
        Function<String, String> config = config(context);
        S3Client s3 = S3ArchiveObjects.client(endpoint, region, config.apply("s3.access-key"),
                config.apply("s3.secret-key"));
        ClosedAtStop.register(context, s3);
        return s3;
    }

    /** With the archive or the aggregates on, the bucket they write to must be reachable with the configured keys. */
    @BindToRegistry(value = "archiveIntake", lazy = true)
    public ArchiveIntake archiveIntake(CamelContext context, @BeanInject("s3Client") S3Client s3,
            @BeanInject("archiveStats") ArchiveStats stats, @PropertyInject("archive.enabled") boolean archiveEnabled,
            @PropertyInject("aggregate.enabled") boolean aggregatesEnabled,
            @PropertyInject("s3.endpoint") String endpoint, @PropertyInject("s3.bucket") String bucket,
            @PropertyInject("archive.dedup-window") int dedupWindow,
            @PropertyInject("archive.max-in-flight") long maxInFlight,
            @PropertyInject("archive.retry.initial-delay-ms") long retryDelayMillis)
            throws Exception {
        S3ArchiveObjects objects = new S3ArchiveObjects(s3, bucket);
        if (archiveEnabled || aggregatesEnabled) {
            objects.requireBucket(endpoint);
        }
        ArchiveIntake intake = new ArchiveIntake(objects, dedupWindow, stats, maxInFlight,
                Duration.ofMillis(retryDelayMillis));
        context.addService(intake, true, true);
        return intake;
    }

    /** camel-kafka's hook into each consumer's rebalance listener: the archive learns which partitions it loses. */
    @BindToRegistry(value = "subscribeAdapter", lazy = true)
    public ArchiveSubscribeAdapter subscribeAdapter(
            @PropertyInject("archive.topics") String topics, @BeanInject("archiveIntake") ArchiveIntake intake) {
        return new ArchiveSubscribeAdapter(topics, intake);
    }

    /** For --once: whether the archive has read everything its topics hold (always, with the archive off). */
    @BindToRegistry(value = "archiveLag", lazy = true)
    public ArchiveLag archiveLag(@BeanInject("kafkaAdmin") Admin admin,
            @BeanInject("archiveIntake") ArchiveIntake intake, @BeanInject("archiveStats") ArchiveStats stats,
            @PropertyInject("archive.enabled") boolean enabled, @PropertyInject("archive.topics") String topics) {
        ArchiveLag lag = new ArchiveLag(admin, topics);
        if (enabled) {
            stats.caughtUpWhen(() -> lag.caughtUp(intake::reached));
        }
        return lag;
    }

    @BindToRegistry(value = "archiveBatching", lazy = true)
    public ArchiveBatching archiveBatching(@BeanInject("archiveIntake") ArchiveIntake intake,
            @BeanInject("archiveStats") ArchiveStats stats,
            @PropertyInject("archive.retry.max-attempts") int maxAttempts,
            @PropertyInject("kafka.bootstrap-servers") String bootstrapServers) {
        return new ArchiveBatching(intake, stats, maxAttempts, new BatchRecords(bootstrapServers, Duration.ofSeconds(30)));
    }

    /** Restarts the route if it runs; false when it does not (a standby, whose capturing instance restarts its own). */
    private static boolean restartRoute(CamelContext context, String routeId) {
        if (!context.getRouteController().getRouteStatus(routeId).isStarted()) {
            return false;
        }
        try {
            context.getRouteController().stopRoute(routeId);
            context.getRouteController().startRoute(routeId);
        } catch (Exception e) {
            throw new IllegalStateException("Could not restart route " + routeId + ": " + e.getMessage(), e);
        }
        return true;
    }
}
