package org.cdcpipeline;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.apache.camel.CamelContext;
import org.apache.camel.FailedToCreateRouteException;
import org.apache.camel.Route;
import org.apache.camel.component.bean.MethodNotFoundException;
import org.apache.camel.component.debezium.postgres.DebeziumPostgresComponent;
import org.apache.camel.component.kafka.KafkaComponent;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.model.Model;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.spi.Resource;
import org.apache.camel.spi.ThreadPoolProfile;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.cdcpipeline.aggregate.AggregateStats;
import org.cdcpipeline.aggregate.AggregateStore;
import org.cdcpipeline.archive.ArchiveBatchKey;
import org.cdcpipeline.archive.ArchiveBatching;
import org.cdcpipeline.archive.ArchiveIntake;
import org.cdcpipeline.cdc.CaptureStats;
import org.cdcpipeline.cdc.CaptureTopics;
import org.cdcpipeline.cdc.CapturedTables;
import org.cdcpipeline.cdc.ChangeEventRecord;
import org.cdcpipeline.cdc.DeadLetter;
import org.cdcpipeline.cdc.DeadLetterStatus;
import org.cdcpipeline.cdc.KafkaBatch;
import org.cdcpipeline.cdc.PublishedEvents;
import org.cdcpipeline.cdc.SlotLag;
import org.cdcpipeline.csv.CsvImporter;
import org.cdcpipeline.csv.CsvReadLock;
import org.cdcpipeline.observe.PipelineMonitor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The route files as Camel reads them, before any server starts: every file parses, and every route is created in a
 * real CamelContext with the beans it names, so a bean name or bean method the routes misspell fails the build. Camel
 * checks a bean method when it creates the route (DefaultBeanProcessorFactory for the bean EIP, BeanExpression.init for
 * {@code method:} expressions), so no route needs to start: no PostgreSQL, Kafka or S3 is contacted.
 */
class RouteFilesTest {

    /**
     * The beans the routes name, by that name: the one place to update when a bean or its class is renamed. A class
     * stands for an instance made without running its constructor (the check reads the class, and no route runs); an
     * instance is given where Camel calls into the bean while it creates the routes (the aggregate template's
     * constructor registers each aggregate with aggregateStats).
     */
    private static final Map<String, Object> BEANS = Map.ofEntries(
            Map.entry("csvImporter", CsvImporter.class),
            Map.entry("csvReadLock", CsvReadLock.class),
            Map.entry("cdcInFlight", PublishedEvents.class),
            Map.entry("changeEventRecord", ChangeEventRecord.class),
            Map.entry("kafkaBatch", KafkaBatch.class),
            Map.entry("captureTopics", CaptureTopics.class),
            Map.entry("captureStats", CaptureStats.class),
            Map.entry("capturedTables", CapturedTables.class),
            Map.entry("slotLag", SlotLag.class),
            Map.entry("deadLetter", DeadLetter.class),
            Map.entry("cdcDeadLetterStatus", DeadLetterStatus.class),
            Map.entry("archiveIntake", ArchiveIntake.class),
            Map.entry("archiveBatchKey", ArchiveBatchKey.class),
            Map.entry("archiveBatching", ArchiveBatching.class),
            Map.entry("aggregateStore", AggregateStore.class),
            Map.entry("aggregateStats", new AggregateStats(false, "127.0.0.1:9")),
            Map.entry("pipelineMonitor", PipelineMonitor.class));

    /** A bean the routes name: after ref:, as an aggregation strategy or exception listener, or as "#name". */
    private static final Pattern BEAN_NAME = Pattern.compile(
            "(?:\\bref|\\baggregationStrategy|\\bonExceptionOccurredRef): *\"?([A-Za-z]\\w*)\"?\\s*$|\"#(?:bean:)?([A-Za-z]\\w*)\"",
            Pattern.MULTILINE);
    /** A thread pool the routes name (application.properties configures them; here any pool does). */
    private static final Pattern THREAD_POOL = Pattern.compile("\\bexecutorService: *\"?([\\w-]+)\"?\\s*$", Pattern.MULTILINE);

    @Test
    void shouldLoadEveryRouteFile() throws Exception {
        try (CamelContext context = new DefaultCamelContext()) {
            load(context, routeFiles());
            List<String> ids = context.getCamelContextExtension().getContextPlugin(Model.class).getRouteDefinitions()
                    .stream().map(RouteDefinition::getRouteId).toList();
            assertThat(ids).contains("csv-import", "cdc-capture", "raw-archive", "aggregate-snapshots");
        }
    }

    @Test
    void shouldKnowTheClassOfEveryBeanTheRoutesName() throws Exception {
        Set<String> named = matches(BEAN_NAME, routeText());
        assertThat(BEANS.keySet()).as("the beans the route files name (update BEANS in RouteFilesTest when a bean is "
                + "renamed)").containsExactlyInAnyOrderElementsOf(named);
    }

    @Test
    void shouldCreateEveryRouteWithTheBeansItNamesAndTheirMethods() throws Exception {
        try (CamelContext context = contextWithBeans()) {
            load(context, routeFiles());
            // routes are created, none starts: a route's own autoStartup wins over the context's
            context.getCamelContextExtension().getContextPlugin(Model.class).getRouteDefinitions()
                    .forEach(route -> route.setAutoStartup("false"));
            context.start();
            List<String> ids = context.getRoutes().stream().map(Route::getRouteId).toList();
            assertThat(ids).contains("csv-import", "cdc-capture", "cdc-slot-lag", "raw-archive", "archive-write",
                    "aggregate-klienci-by-country", "aggregate-snapshot-write", "observe-lag");
            assertThat(context.getRouteController().getRouteStatus("cdc-capture").isStarted())
                    .as("no route runs, so no server is needed").isFalse();
        }
    }

    @Test
    void shouldRefuseARouteWhoseBeanMethodDoesNotExist(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path misspelt = dir.resolve("misspelt.camel.yaml");
        Files.writeString(misspelt, """
                - route:
                    id: misspelt
                    from:
                      uri: timer:misspelt
                      steps:
                        - bean:
                            ref: slotLag
                            method: reprot
                """, StandardCharsets.UTF_8);
        try (CamelContext context = contextWithBeans()) {
            load(context, List.of(misspelt));
            assertThatThrownBy(context::start).isInstanceOf(FailedToCreateRouteException.class)
                    .hasRootCauseInstanceOf(MethodNotFoundException.class).hasMessageContaining("reprot");
        }
    }

    /**
     * A context whose properties are application.properties and whose registry holds BEANS; nothing starts with it,
     * the routes are only created.
     */
    private static CamelContext contextWithBeans() throws Exception {
        CamelContext context = new DefaultCamelContext();
        context.getPropertiesComponent().setLocation("file:application.properties");
        // routes made from templates take autoStartup from these; nothing may poll the project's own csv_files
        Properties overrides = new Properties();
        overrides.putAll(Map.of("cdc.enabled", "false", "archive.enabled", "false", "aggregate.enabled", "false",
                "csv.dir", "target/route-files-test-csv"));
        context.getPropertiesComponent().setOverrideProperties(overrides);
        context.setAutoStartup(false);
        for (Map.Entry<String, Object> bean : BEANS.entrySet()) {
            Object value = bean.getValue();
            context.getRegistry().bind(bean.getKey(), value instanceof Class<?> type ? withoutConstructor(type) : value);
        }
        // camel-main sets the connections from application.properties; the endpoints and producers cannot be created
        // without them, though nothing connects here
        context.getComponent("debezium-postgres", DebeziumPostgresComponent.class).getConfiguration()
                .setDatabasePassword("not-used");
        context.getComponent("kafka", KafkaComponent.class).getConfiguration().setBrokers("127.0.0.1:9");
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

    private static void load(CamelContext context, Collection<Path> files) throws Exception {
        List<Resource> resources = files.stream().map(f -> ResourceHelper.resolveResource(context, "file:" + f)).toList();
        PluginHelper.getRoutesLoader(context).loadRoutes(resources);
    }

    private static Set<String> matches(Pattern pattern, String text) {
        Set<String> found = new TreeSet<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            found.add(m.group(1) != null ? m.group(1) : m.group(m.groupCount()));
        }
        return found;
    }

    private static String routeText() throws IOException {
        StringBuilder text = new StringBuilder();
        for (Path file : routeFiles()) {
            text.append(Files.readString(file, StandardCharsets.UTF_8)).append('\n');
        }
        return text.toString();
    }

    private static List<Path> routeFiles() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            List<Path> found = files.filter(f -> f.toString().endsWith(".camel.yaml")).sorted().toList();
            assertThat(found).as("route files in routes/").isNotEmpty();
            return found;
        }
    }
}
