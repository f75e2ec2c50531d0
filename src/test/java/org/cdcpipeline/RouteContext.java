package org.cdcpipeline;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.apache.camel.CamelContext;
import org.apache.camel.component.debezium.postgres.DebeziumPostgresComponent;
import org.apache.camel.component.kafka.KafkaComponent;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.model.Model;
import org.apache.camel.spi.Resource;
import org.apache.camel.spi.ThreadPoolProfile;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.cdcpipeline.aggregate.AggregateStats;
import org.cdcpipeline.aggregate.AggregateStore;
import org.cdcpipeline.archive.ArchiveBatchKey;
import org.cdcpipeline.archive.ArchiveBatching;
import org.cdcpipeline.archive.ArchiveIntake;
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
import org.cdcpipeline.csv.BatchTransactions;
import org.cdcpipeline.csv.CsvBatches;
import org.cdcpipeline.csv.CsvFileReader;
import org.cdcpipeline.csv.CsvReadLock;
import org.cdcpipeline.csv.HeaderCheck;
import org.cdcpipeline.csv.ImportOutcomes;
import org.cdcpipeline.csv.RowChecks;
import org.cdcpipeline.csv.TargetTables;
import org.cdcpipeline.observe.PipelineMonitor;

/**
 * The real route files in a CamelContext of a test's own, without camel-main and without the pipeline's configuration
 * (which needs the servers): properties from application.properties, and stand-ins of the real bean classes under the
 * names the routes use. Routes are created, none starts unless a test starts it, so a route can be tested alone.
 */
public final class RouteContext {

    /**
     * The beans the routes name, by that name: the one place to update when a bean or its class is renamed. A class
     * stands for an instance made without running its constructor (Camel reads the class to find the bean's methods);
     * an instance is given where Camel calls into the bean while it creates the routes (the aggregate template's
     * constructor registers each aggregate with aggregateStats).
     */
    static final Map<String, Object> BEANS = Map.ofEntries(
            Map.entry("csvReadLock", CsvReadLock.class),
            Map.entry("importOutcomes", ImportOutcomes.class),
            Map.entry("csvFileReader", CsvFileReader.class),
            Map.entry("headerCheck", HeaderCheck.class),
            Map.entry("targetTables", TargetTables.class),
            Map.entry("rowChecks", RowChecks.class),
            Map.entry("csvBatches", CsvBatches.class),
            Map.entry("batchTransactions", BatchTransactions.class),
            Map.entry("publishedEvents", PublishedEvents.class),
            Map.entry("changeEventRecord", ChangeEventRecord.class),
            Map.entry("kafkaBatch", KafkaBatch.class),
            Map.entry("captureTopics", CaptureTopics.class),
            Map.entry("captureStats", CaptureStats.class),
            // a Camel service: the routes start it, so it is made with its constructor (it connects only when checking)
            Map.entry("captureRole", new CaptureRole(new CaptureLock(CaptureLock.source("127.0.0.1", 9, "not-used",
                    "not-used", "not-used", 1), "not-used"), null, List.of())),
            Map.entry("captureStreaming", new CaptureStreaming("not-used", java.time.Duration.ofSeconds(30), () -> false,
                    new DebeziumErrors(), new PublishedEvents(1), java.time.Clock.systemUTC())),
            Map.entry("capturedTables", CapturedTables.class),
            Map.entry("slotLag", SlotLag.class),
            Map.entry("deadLetterStatus", DeadLetterStatus.class),
            Map.entry("archiveIntake", ArchiveIntake.class),
            Map.entry("archiveBatchKey", ArchiveBatchKey.class),
            Map.entry("archiveBatching", ArchiveBatching.class),
            Map.entry("aggregateStore", AggregateStore.class),
            Map.entry("aggregateStats", new AggregateStats(false, null)),
            Map.entry("pipelineMonitor", PipelineMonitor.class),
            Map.entry("flowHistory", org.cdcpipeline.dashboard.FlowHistory.class),
            Map.entry("aggregateViews", org.cdcpipeline.dashboard.AggregateViews.class),
            Map.entry("dashboardFiles", org.cdcpipeline.dashboard.DashboardFiles.class),
            Map.entry("dashboardDoctor", org.cdcpipeline.dashboard.DashboardDoctor.class));

    /** A bean the routes name: after ref:, as an aggregation strategy or exception listener, or as "#name". */
    static final Pattern BEAN_NAME = Pattern.compile(
            "(?:\\bref|\\baggregationStrategy|\\bonExceptionOccurredRef): *\"?([A-Za-z]\\w*)\"?\\s*$|\"#(?:bean:)?([A-Za-z]\\w*)\"",
            Pattern.MULTILINE);
    /** A bean a route file declares itself (beans: - name: ... type: ...): Camel makes it from the file. */
    static final Pattern DECLARED_BEAN = Pattern.compile("-\\s*name:\\s*(\\w+)\\s*\\n\\s*type:", Pattern.MULTILINE);
    /** A thread pool the routes name (application.properties configures them; here any pool does). */
    private static final Pattern THREAD_POOL = Pattern.compile("\\bexecutorService: *\"?([\\w-]+)\"?\\s*$", Pattern.MULTILINE);

    private RouteContext() {
    }

    /**
     * A context with every route file loaded, whose properties are application.properties with these on top, and
     * whose registry holds BEANS. Its routes are created when it starts; none of them starts.
     */
    public static CamelContext withRoutes(Map<String, String> properties) throws Exception {
        CamelContext context = withBeans(properties);
        load(context, routeFiles());
        // a route's own autoStartup wins over the context's
        context.getCamelContextExtension().getContextPlugin(Model.class).getRouteDefinitions()
                .forEach(route -> route.setAutoStartup("false"));
        return context;
    }

    /** A context as {@link #withRoutes} without any route: the caller loads what it needs. */
    public static CamelContext withBeans(Map<String, String> properties) throws Exception {
        CamelContext context = new DefaultCamelContext();
        context.getPropertiesComponent().setLocation("file:application.properties");
        // routes made from templates take autoStartup from these; nothing may poll the project's own csv_files
        Map<String, String> all = new HashMap<>(Map.of("cdc.enabled", "false", "archive.enabled", "false",
                "aggregate.enabled", "false", "csv.dir", "target/route-context-csv", "kafka.bootstrap-servers", "127.0.0.1:9"));
        all.putAll(properties);
        Properties overrides = new Properties();
        overrides.putAll(all);
        context.getPropertiesComponent().setOverrideProperties(overrides);
        context.setAutoStartup(false);
        for (Map.Entry<String, Object> bean : BEANS.entrySet()) {
            Object value = bean.getValue();
            context.getRegistry().bind(bean.getKey(), value instanceof Class<?> type ? withoutConstructor(type) : value);
        }
        // camel-main sets the connections from application.properties; endpoints and producers cannot be created
        // without them
        context.getComponent("debezium-postgres", DebeziumPostgresComponent.class).getConfiguration()
                .setDatabasePassword("not-used");
        context.getComponent("kafka", KafkaComponent.class).getConfiguration()
                .setBrokers(all.get("kafka.bootstrap-servers"));
        for (String pool : matches(THREAD_POOL, routeText())) {
            ThreadPoolProfile profile = new ThreadPoolProfile(pool);
            profile.setPoolSize(1);
            profile.setMaxPoolSize(1);
            context.getExecutorServiceManager().registerThreadPoolProfile(profile);
        }
        return context;
    }

    /** An instance of the real class, none of its fields set: enough for Camel to find its methods. */
    private static Object withoutConstructor(Class<?> type) throws Exception {
        Class<?> unsafeType = Class.forName("sun.misc.Unsafe");
        Field theUnsafe = unsafeType.getDeclaredField("theUnsafe");
        theUnsafe.setAccessible(true);
        return unsafeType.getMethod("allocateInstance", Class.class).invoke(theUnsafe.get(null), type);
    }

    public static void load(CamelContext context, Collection<Path> files) throws Exception {
        List<Resource> resources = files.stream().map(f -> ResourceHelper.resolveResource(context, "file:" + f)).toList();
        PluginHelper.getRoutesLoader(context).loadRoutes(resources);
    }

    /** What the pattern's first group that matched found, anywhere in the text. */
    static Set<String> matches(Pattern pattern, String text) {
        Set<String> found = new TreeSet<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            found.add(m.group(1) != null ? m.group(1) : m.group(m.groupCount()));
        }
        return found;
    }

    /** The beans the route files name and do not declare themselves: those the pipeline's configuration binds. */
    static Set<String> beansToBind() throws IOException {
        Set<String> names = new TreeSet<>(matches(BEAN_NAME, routeText()));
        names.removeAll(matches(DECLARED_BEAN, routeText()));
        return names;
    }

    /** The route files' text without their comment lines (a comment may show a bean as an example). */
    static String routeText() throws IOException {
        StringBuilder text = new StringBuilder();
        for (Path file : routeFiles()) {
            Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(line -> !line.strip().startsWith("#"))
                    .forEach(line -> text.append(line).append('\n'));
        }
        return text.toString();
    }

    static List<Path> routeFiles() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            return files.filter(f -> f.toString().endsWith(".camel.yaml")).sorted().toList();
        }
    }
}
