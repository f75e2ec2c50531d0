package org.cdcpipeline;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** Configuration properties as the environment variables a child process reads (postgres.host -> POSTGRES_HOST). */
final class ChildProcessEnv {

    private ChildProcessEnv() {
    }

    static Map<String, String> of(Map<String, String> properties) {
        Map<String, String> env = new HashMap<>();
        properties.forEach((key, value) -> env.put(key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'), value));
        return env;
    }
}
