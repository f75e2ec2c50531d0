package org.cdcpipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.model.Model;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.spi.Resource;
import org.apache.camel.spi.RoutesLoader;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Every route file parses, so a broken YAML route fails the build before any server starts. */
class RouteFilesTest {

    @Test
    void shouldLoadEveryRouteFile() throws Exception {
        List<Path> files = routeFiles();
        assertThat(files).isNotEmpty();
        try (CamelContext context = new DefaultCamelContext()) {
            // the route files' beans take their settings from the configuration when loaded
            context.getPropertiesComponent().setLocation("file:application.properties");
            RoutesLoader loader = PluginHelper.getRoutesLoader(context);
            List<Resource> resources = files.stream()
                    .map(f -> ResourceHelper.resolveResource(context, "file:" + f)).toList();
            loader.loadRoutes(resources);
            List<String> ids = context.getCamelContextExtension().getContextPlugin(Model.class).getRouteDefinitions()
                    .stream().map(RouteDefinition::getRouteId).toList();
            assertThat(ids).contains("csv-import");
        }
    }

    private static List<Path> routeFiles() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            return files.filter(f -> f.toString().endsWith(".camel.yaml")).sorted().toList();
        }
    }
}
