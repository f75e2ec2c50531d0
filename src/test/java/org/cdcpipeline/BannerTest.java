package org.cdcpipeline;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The banner names every endpoint and where each secret is, and never shows a password or secret key. */
class BannerTest {

    private static final Set<String> ALL_EMBEDDED = Set.of("postgres.host", "kafka.bootstrap-servers", "s3.endpoint");

    @Test
    void shouldMaskTheDevelopmentPasswordAndSayWhereTheDevelopmentCredentialsAre() {
        String banner = banner(Map.of("postgres.password", "a1b2c3d4e5f6a7b8c9d0e1f2",
                "postgres.password-source", "in data/dev-credentials.properties (postgres.password)",
                "s3.access-key", "dev3af8c0ffee", "s3.secret-key", "da71d00dfeedbeefcafe",
                "s3.secret-key-source", "in data/dev-credentials.properties (s3.secret-key)"), ALL_EMBEDDED);

        assertThat(banner).contains("postgresql://postgres:****@127.0.0.1:5432/postgres")
                .contains("embedded, data in data/postgres; password in data/dev-credentials.properties (postgres.password)")
                .contains("access key dev3af8c0ffee, secret key in data/dev-credentials.properties (s3.secret-key)")
                .doesNotContain("a1b2c3d4e5f6a7b8c9d0e1f2").doesNotContain("da71d00dfeedbeefcafe");
    }

    @Test
    void shouldSayWhereTheDashboardIs() {
        assertThat(banner(Map.of("dashboard.enabled", "true", "dashboard.host", "127.0.0.1", "dashboard.port", "9877"),
                ALL_EMBEDDED)).contains("Dashboard   http://127.0.0.1:9877/dashboard/");
        assertThat(banner(Map.of("dashboard.enabled", "false"), ALL_EMBEDDED)).doesNotContain("Dashboard");
    }

    @Test
    void shouldNameTheVariablesOfConfiguredSecretsWithoutShowingThem() {
        String banner = banner(Map.of("postgres.host", "db.example", "postgres.password", "Configured-Pg-Secret",
                "s3.endpoint", "https://s3.example", "s3.access-key", "AKIAEXAMPLE",
                "s3.secret-key", "Configured-S3-Secret"), Set.of());

        assertThat(banner).contains("postgresql://postgres:****@db.example:5432/postgres")
                .contains("password from POSTGRES_PASSWORD")
                .contains("access key AKIAEXAMPLE, secret key from S3_SECRET_KEY")
                .doesNotContain("Configured-Pg-Secret").doesNotContain("Configured-S3-Secret");
    }

    /** The banner of a configuration: the defaults below with these settings on top. */
    private static String banner(Map<String, String> settings, Set<String> embedded) {
        Map<String, String> config = config();
        config.putAll(settings);
        return Banner.text(key -> config.getOrDefault(key, ""), embedded::contains);
    }

    private static Map<String, String> config() {
        Map<String, String> config = new HashMap<>();
        config.put("pipeline.data-dir", "data");
        config.put("postgres.host", "127.0.0.1");
        config.put("postgres.port", "5432");
        config.put("postgres.db", "postgres");
        config.put("postgres.user", "postgres");
        config.put("kafka.bootstrap-servers", "127.0.0.1:9092");
        config.put("s3.endpoint", "http://127.0.0.1:9000");
        config.put("s3.bucket", "processed-data");
        config.put("s3.region", "us-east-1");
        config.put("csv.dir", "csv_files");
        return config;
    }
}
