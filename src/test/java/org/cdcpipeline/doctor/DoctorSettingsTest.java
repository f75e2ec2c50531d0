package org.cdcpipeline.doctor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** The doctor reads the configuration as the pipeline does, and finds the embedded services of a running one. */
class DoctorSettingsTest {

    @TempDir
    Path data;

    @Test
    void shouldResolvePlaceholdersAndOverridesAsThePipelineDoes() {
        DoctorSettings settings = DoctorSettings.load(Map.of("csv.schema", "sklep", "topic.prefix", "tp",
                "postgres.host", "db.example", "kafka.bootstrap-servers", "k:9092", "s3.endpoint", "http://s3:9000"));
        assertThat(settings.get("cdc.tables")).isEqualTo("sklep\\..*");
        assertThat(settings.get("cdc.dead-letter-topic")).isEqualTo("tp.dead-letter");
        assertThat(settings.get("postgres.host")).isEqualTo("db.example");
        assertThat(settings.embedded("postgres.host")).isFalse();
        assertThat(settings.startFix("postgres.host", "PostgreSQL", "POSTGRES_HOST, POSTGRES_PORT"))
                .isEqualTo("start PostgreSQL or correct POSTGRES_HOST, POSTGRES_PORT");
    }

    @Test
    void shouldUseTheEmbeddedServersPortsAndDevelopmentCredentialsWhenEndpointsAreEmpty() throws Exception {
        Files.writeString(data.resolve("dev-credentials.properties"),
                "postgres.password=pgdev\ns3.access-key=devkey\ns3.secret-key=devsecret\n");
        DoctorSettings settings = DoctorSettings.load(Map.of("pipeline.data-dir", data.toString(),
                "postgres.host", "", "postgres.port", "15432", "kafka.bootstrap-servers", "", "kafka.embedded.port", "19092",
                "s3.endpoint", "", "s3.embedded.port", "19000"));
        assertThat(settings.get("postgres.host")).isEqualTo("127.0.0.1");
        assertThat(settings.get("postgres.port")).isEqualTo("15432");
        assertThat(settings.get("postgres.password")).isEqualTo("pgdev");
        assertThat(settings.get("kafka.bootstrap-servers")).isEqualTo("127.0.0.1:19092");
        assertThat(settings.get("s3.endpoint")).isEqualTo("http://127.0.0.1:19000");
        assertThat(settings.get("s3.access-key")).isEqualTo("devkey");
        assertThat(settings.get("s3.secret-key")).isEqualTo("devsecret");
        assertThat(settings.startFix("kafka.bootstrap-servers", "Kafka", "KAFKA_BOOTSTRAP_SERVERS"))
                .startsWith("start the pipeline (java -jar target/cdc-pipeline.jar), which runs the embedded services");
        assertThat(data.resolve("dev-credentials.properties")).content().doesNotContain("generated");
    }
}
