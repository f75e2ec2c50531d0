package org.cdcpipeline;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Problems the user must fix stop the start with one line naming the setting; the pipeline exits 1. */
class PostgresStartupCheckIT {

    @BeforeAll
    static void passwordProtectedRole() throws Exception {
        // a role whose password the test chooses (the shared server asks every role for its password)
        TestServices.endpoints();
        Path hba = Path.of("target", "test-services", "postgres", "pg_hba.conf");
        String rules = Files.readString(hba);
        if (!rules.contains("locked_user")) {
            Files.writeString(hba, "host all locked_user 127.0.0.1/32 scram-sha-256\n" + rules);
        }
        try (Connection c = TestServices.connect(); Statement st = c.createStatement()) {
            st.execute("DO $$ BEGIN CREATE ROLE locked_user LOGIN PASSWORD 'right'; EXCEPTION WHEN duplicate_object THEN NULL; END $$");
            st.execute("SELECT pg_reload_conf()");
        }
        // the server rereads pg_hba.conf on its own time
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            try (Connection ignored = DriverManager.getConnection(TestServices.jdbcUrl(), "locked_user", "wrong")) {
                return false;
            } catch (SQLException e) {
                return true;
            }
        });
    }

    @Test
    void shouldNameTheCredentialsWhenThePasswordIsWrong() {
        Map<String, String> config = config(Map.of("postgres.user", "locked_user", "postgres.password", "wrong"));
        assertThatThrownBy(() -> PostgresDataSource.create(key -> config.getOrDefault(key, "")))
                .isInstanceOf(StartupException.class)
                .hasMessageContaining("refused user 'locked_user'")
                .hasMessageContaining("set POSTGRES_USER and POSTGRES_PASSWORD");
        assertThat(TestPipeline.runOnce(config)).isEqualTo(1);
    }

    @Test
    void shouldNameTheDatabaseWhenItDoesNotExist() {
        Map<String, String> config = config(Map.of("postgres.db", "no_such_db"));
        assertThatThrownBy(() -> PostgresDataSource.create(key -> config.getOrDefault(key, "")))
                .isInstanceOf(StartupException.class)
                .hasMessageContaining("has no such database")
                .hasMessageContaining("POSTGRES_DB");
        assertThat(TestPipeline.runOnce(config)).isEqualTo(1);
    }

    @Test
    void shouldConnectWithTheRightPassword() throws Exception {
        Map<String, String> config = config(Map.of("postgres.user", "locked_user", "postgres.password", "right"));
        try (var dataSource = PostgresDataSource.create(key -> config.getOrDefault(key, ""));
             Connection c = dataSource.getConnection()) {
            assertThat(c.isValid(5)).isTrue();
        }
    }

    private static Map<String, String> config(Map<String, String> overrides) {
        Map<String, String> config = new HashMap<>(TestServices.endpoints());
        config.put("postgres.db", "postgres");
        config.put("postgres.user", "postgres");
        config.put("postgres.pool-size", "2");
        config.put("postgres.connection-timeout-ms", "2000");
        config.putAll(overrides);
        return config;
    }
}
