package org.cdcpipeline;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.FailedToCreateRouteException;
import org.apache.camel.Route;
import org.apache.camel.component.bean.MethodNotFoundException;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.model.Model;
import org.apache.camel.model.RouteDefinition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The route files as Camel reads them, before any server starts: every file parses, and every route is created in a
 * real CamelContext with the beans it names (RouteContext.BEANS), so a bean name or bean method the routes misspell
 * fails the build. Camel checks a bean method when it creates the route (DefaultBeanProcessorFactory for the bean EIP,
 * BeanExpression.init for {@code method:} expressions), so no route needs to start and no server is contacted.
 */
class RouteFilesTest {

    @Test
    void shouldLoadEveryRouteFile() throws Exception {
        assertThat(RouteContext.routeFiles()).as("route files in routes/").isNotEmpty();
        try (CamelContext context = new DefaultCamelContext()) {
            // the route files' beans take their settings from the configuration when loaded
            context.getPropertiesComponent().setLocation("file:application.properties");
            RouteContext.load(context, RouteContext.routeFiles());
            List<String> ids = context.getCamelContextExtension().getContextPlugin(Model.class).getRouteDefinitions()
                    .stream().map(RouteDefinition::getRouteId).toList();
            assertThat(ids).contains("csv-import", "cdc-capture", "raw-archive", "aggregate-snapshots");
        }
    }

    @Test
    void shouldKnowTheClassOfEveryBeanTheRoutesName() throws Exception {
        assertThat(RouteContext.BEANS.keySet()).as("the beans the route files name (update RouteContext.BEANS when a "
                + "bean is renamed)").containsExactlyInAnyOrderElementsOf(
                RouteContext.beansToBind());
    }

    @Test
    void shouldCreateEveryRouteWithTheBeansItNamesAndTheirMethods() throws Exception {
        try (CamelContext context = RouteContext.withRoutes(Map.of())) {
            context.start();
            List<String> ids = context.getRoutes().stream().map(Route::getRouteId).toList();
            assertThat(ids).contains("csv-import", "cdc-capture", "cdc-slot-lag", "raw-archive", "archive-write",
                    "aggregate-klienci-by-country", "aggregate-snapshot-write", "observe-lag");
            assertThat(context.getRouteController().getRouteStatus("cdc-capture").isStarted())
                    .as("no route runs, so no server is needed").isFalse();
        }
    }

    @Test
    void shouldRefuseARouteWhoseBeanMethodDoesNotExist(@TempDir Path dir) throws Exception {
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
        try (CamelContext context = RouteContext.withBeans(Map.of())) {
            RouteContext.load(context, List.of(misspelt));
            assertThatThrownBy(context::start).isInstanceOf(FailedToCreateRouteException.class)
                    .hasRootCauseInstanceOf(MethodNotFoundException.class).hasMessageContaining("reprot");
        }
    }
}
