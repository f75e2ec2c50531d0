package org.cdcpipeline;

import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Refuses to start while a secret the pipeline uses is still an example value of .env.example, which all contain
 * {@value #MARK}: a deployment copied from the example would run with passwords anyone can read in this repository.
 */
final class ExampleSecrets {

    static final String MARK = "change-me";
    /** The pipeline's own secrets (the superusers' passwords are checked where they are used: deploy/). */
    static final List<String> KEYS = List.of("postgres.password", "s3.access-key", "s3.secret-key",
            "jmx.monitor-password", "jmx.control-password");

    private ExampleSecrets() {
    }

    static void refuse(Function<String, String> config) {
        List<String> examples = KEYS.stream().filter(key -> config.apply(key).contains(MARK))
                .map(ExampleSecrets::variable).toList();
        if (!examples.isEmpty()) {
            throw new StartupException(String.join(", ", examples) + (examples.size() == 1 ? " is" : " are")
                    + " still the example value of .env.example (it contains '" + MARK + "'): set "
                    + (examples.size() == 1 ? "a value" : "values") + " of your own in .env (docker compose) or in "
                    + "the environment");
        }
    }

    /** The environment variable that sets a key: postgres.password -> POSTGRES_PASSWORD. */
    static String variable(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }
}
