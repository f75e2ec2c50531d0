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
        Map<String, String> config = config();
        config.put("postgres.password", "a1b2c3d4e5f6a7b8c9d0e1f2");
        config.put("postgres.password-source", "in data/dev-credentials.properties (postgres.password)");
        config.put("s3.access-key", "dev3af8c0ffee");
        config.put("s3.secret-key", "da71d00dfeedbeefcafe");
        config.put("s3.secret-key-source", "in data/dev-credentials.properties (s3.secret-key)");

        String banner = Banner.text(key -> config.getOrDefault(key, ""), ALL_EMBEDDED::contains);

        assertThat(banner).contains("postgresql://postgres:****@127.0.0.1:5432/postgres")
                .contains("embedded, data in data/postgres; password in data/dev-credentials.properties (postgres.password)")
                .contains("access key dev3af8c0ffee, secret key in data/dev-credentials.properties (s3.secret-key)")
                .doesNotContain("a1b2c3d4e5f6a7b8c9d0e1f2").doesNotContain("da71d00dfeedbeefcafe");
    }

    @Test
    void shouldNameTheVariablesOfConfiguredSecretsWithoutShowingThem() {
        Map<String, String> config = config();
        config.put("postgres.host", "db.example");
        config.put("postgres.password", "Configured-Pg-Secret");
        config.put("s3.endpoint", "https://s3.example");
        config.put("s3.access-key", "AKIAEXAMPLE");
        config.put("s3.secret-key", "Configured-S3-Secret");

        String banner = Banner.text(key -> config.getOrDefault(key, ""), key -> false);

        assertThat(banner).contains("postgresql://postgres:****@db.example:5432/postgres")
                .contains("password from POSTGRES_PASSWORD")
                .contains("access key AKIAEXAMPLE, secret key from S3_SECRET_KEY")
                .doesNotContain("Configured-Pg-Secret").doesNotContain("Configured-S3-Secret");
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
