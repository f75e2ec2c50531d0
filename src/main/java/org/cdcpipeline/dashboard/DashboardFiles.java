package org.cdcpipeline.dashboard;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.camel.Exchange;

/**
 * The dashboard's own files: the page, its script and style from the jar, and ECharts from its webjar. Only these
 * names are served, each read once: nothing from the working directory or elsewhere on the classpath can be asked for.
 */
public final class DashboardFiles {

    private static final String ECHARTS_POM = "META-INF/maven/org.webjars.npm/echarts/pom.properties";

    private final Map<String, String> resources;
    private final Map<String, byte[]> loaded = new ConcurrentHashMap<>();

    public DashboardFiles() {
        this.resources = Map.of(
                "index.html", "dashboard/index.html",
                "dashboard.js", "dashboard/dashboard.js",
                "dashboard.css", "dashboard/dashboard.css",
                "lib/echarts.min.js", "META-INF/resources/webjars/echarts/" + echartsVersion() + "/dist/echarts.min.js");
    }

    /** The webjar's version, from its Maven metadata: the pom names it once. */
    private static String echartsVersion() {
        Properties pom = new Properties();
        try (InputStream in = DashboardFiles.class.getClassLoader().getResourceAsStream(ECHARTS_POM)) {
            if (in == null) {
                throw new IllegalStateException("The ECharts webjar is missing from the classpath (" + ECHARTS_POM
                        + "): rebuild with mvn package");
            }
            pom.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return pom.getProperty("version");
    }

    /** Sets the file as the body, with its content type (read once: the files change only with a new build); 404 for another name. */
    public void serve(String name, Exchange exchange) {
        String resource = resources.get(name);
        if (resource == null) {
            exchange.getMessage().setBody("No dashboard file " + name);
            exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "text/plain; charset=utf-8");
            exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 404);
            return;
        }
        byte[] bytes = loaded.computeIfAbsent(name, n -> read(resource));
        exchange.getMessage().setBody(bytes);
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, contentType(name));
    }

    private static byte[] read(String resource) {
        try (InputStream in = DashboardFiles.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("Dashboard file " + resource + " is missing from the jar: rebuild it");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String contentType(String name) {
        if (name.endsWith(".html")) {
            return "text/html; charset=utf-8";
        }
        if (name.endsWith(".css")) {
            return "text/css; charset=utf-8";
        }
        return "text/javascript; charset=utf-8";
    }
}
