package org.cdcpipeline;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** Configuration properties as the environment variables a child process reads (postgres.host -> POSTGRES_HOST). */
public final class ChildProcessEnv {

    private ChildProcessEnv() {
    }

    /**
     * A pipeline process that imports CSV files only, into {@code schema}, against the shared test servers, with JMX
     * and the health server on ports of their own.
     */
    public static Map<String, String> csvImportOnly(Path csvDir, String schema, Path dataDir) {
        Map<String, String> config = new HashMap<>(TestServices.endpoints());
        config.put("csv.dir", csvDir.toString());
        config.put("csv.schema", schema);
        config.put("csv.poll-delay-ms", "200");
        config.put("csv.read-lock-min-age-ms", "200");
        config.put("pipeline.data-dir", dataDir.toString());
        config.put("cdc.enabled", "false");
        config.put("archive.enabled", "false");
        config.put("aggregate.enabled", "false");
        config.put("jmx.port", String.valueOf(TestServices.freePort()));
        config.put("observe.port", String.valueOf(TestServices.freePort()));
        return of(config);
    }

    /** The properties as environment variables; the dashboard on a port of its own unless they name one. */
    public static Map<String, String> of(Map<String, String> properties) {
        Map<String, String> env = new HashMap<>();
        env.put("DASHBOARD_PORT", String.valueOf(TestServices.freePort()));
        properties.forEach((key, value) -> env.put(key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'), value));
        return env;
    }
}
