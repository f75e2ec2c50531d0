package org.cdcpipeline;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The example values of .env.example stop the start, naming the variables to set in .env. */
class ExampleSecretsTest {

    @Test
    void shouldRefuseAnExampleValueNamingItsVariable() {
        Map<String, String> config = new HashMap<>(Map.of("postgres.password", "change-me-pipeline-db",
                "s3.access-key", "cdc-pipeline", "s3.secret-key", "a-real-secret"));
        assertThatThrownBy(() -> ExampleSecrets.refuse(key -> config.getOrDefault(key, "")))
                .isInstanceOf(StartupException.class)
                .hasMessage("POSTGRES_PASSWORD is still the example value of .env.example (it contains 'change-me'): "
                        + "set a value of your own in .env (docker compose) or in the environment");
    }

    @Test
    void shouldNameEveryExampleValueLeft() {
        Map<String, String> config = Map.of("s3.secret-key", "change-me-pipeline-s3",
                "jmx.monitor-password", "change-me-jmx-monitor", "jmx.control-password", "change-me-jmx-control");
        assertThatThrownBy(() -> ExampleSecrets.refuse(key -> config.getOrDefault(key, "")))
                .isInstanceOf(StartupException.class)
                .hasMessageStartingWith("S3_SECRET_KEY, JMX_MONITOR_PASSWORD, JMX_CONTROL_PASSWORD are still the example");
    }

    @Test
    void shouldAcceptOwnValuesAndEmptyOnes() {
        Map<String, String> config = Map.of("postgres.password", "s3cret", "s3.secret-key", "another",
                "jmx.monitor-password", "m0nitor");
        assertThatCode(() -> ExampleSecrets.refuse(key -> config.getOrDefault(key, ""))).doesNotThrowAnyException();
    }
}
