package org.cdcpipeline;

import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What docker-compose.yml and the Dockerfile must keep for a real deployment: healthchecks and start conditions instead
 * of waiting on time, the pipeline pointed at the compose services through its environment, secrets only from .env,
 * PostgreSQL with the project's postgresql.conf. (That the file is valid Compose is checked by .ci/run.)
 */
class ComposeFileTest {

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Z0-9_]+)([^}]*)}");
    private static final Pattern SECRET_NAME = Pattern.compile(".*(PASSWORD|SECRET|ACCESS_KEY).*");

    private static JsonNode services;
    private static Properties envExample;
    private static String composeText;

    @BeforeAll
    static void read() throws IOException {
        composeText = Files.readString(Path.of("docker-compose.yml"));
        services = new ObjectMapper(new YAMLFactory()).readTree(composeText).path("services");
        envExample = new Properties();
        envExample.load(new StringReader(Files.readString(Path.of(".env.example"))));
        assertThat(services.size()).as("services in docker-compose.yml").isGreaterThanOrEqualTo(5);
    }

    @Test
    void shouldStartEachServiceOnConditionsNotTime() {
        Set<String> oneShot = new TreeSet<>();
        services.fields().forEachRemaining(service -> service.getValue().path("depends_on").fields().forEachRemaining(dep -> {
            String condition = dep.getValue().path("condition").asText();
            assertThat(condition).as(service.getKey() + " depends_on " + dep.getKey())
                    .isIn("service_healthy", "service_completed_successfully");
            assertThat(services.has(dep.getKey())).as(dep.getKey() + " is a service").isTrue();
            if (condition.equals("service_healthy")) {
                assertThat(services.path(dep.getKey()).has("healthcheck")).as(dep.getKey() + " has a healthcheck").isTrue();
            } else {
                oneShot.add(dep.getKey());
            }
        }));
        services.fields().forEachRemaining(service -> {
            if (!oneShot.contains(service.getKey())) {
                assertThat(service.getValue().path("healthcheck").path("test").isMissingNode())
                        .as(service.getKey() + " has a healthcheck").isFalse();
            }
            // depends_on as a plain list starts a service as soon as the other one was created
            assertThat(service.getValue().path("depends_on").isArray()).as(service.getKey() + " depends_on as a list").isFalse();
        });
        assertThat(composeText).doesNotContain("sleep ");
        assertThat(oneShot).containsExactly("create-bucket");
        assertThat(services.path("create-bucket").path("depends_on").path("minio").path("condition").asText())
                .isEqualTo("service_healthy");
        assertThat(services.path("create-bucket").path("command").toString()).contains("mc mb --ignore-existing");
    }

    @Test
    void shouldPointThePipelineAtTheComposeServices() {
        JsonNode pipeline = services.path("pipeline");
        JsonNode env = pipeline.path("environment");
        assertThat(pipeline.path("build").asText()).isEqualTo(".");
        assertThat(env.path("POSTGRES_HOST").asText()).isEqualTo("postgres");
        assertThat(env.path("KAFKA_BOOTSTRAP_SERVERS").asText()).isEqualTo("kafka:9092");
        assertThat(URI.create(env.path("S3_ENDPOINT").asText()).getHost()).isEqualTo("minio");
        for (String service : List.of("postgres", "kafka", "minio")) {
            assertThat(services.has(service)).as(service).isTrue();
        }
        assertThat(pipeline.path("depends_on").fieldNames()).toIterable().contains("postgres", "kafka", "create-bucket");
        // the bucket the pipeline writes to is the one create-bucket makes, and the keys MinIO accepts
        assertThat(env.path("S3_BUCKET").asText()).isEqualTo(services.path("create-bucket").path("environment").path("S3_BUCKET").asText());
        assertThat(variableOf(env.path("S3_ACCESS_KEY").asText())).isEqualTo(variableOf(services.path("minio").path("environment").path("MINIO_ROOT_USER").asText()));
        assertThat(variableOf(env.path("S3_SECRET_KEY").asText())).isEqualTo(variableOf(services.path("minio").path("environment").path("MINIO_ROOT_PASSWORD").asText()));
        assertThat(variableOf(env.path("POSTGRES_PASSWORD").asText())).isEqualTo(variableOf(services.path("postgres").path("environment").path("POSTGRES_PASSWORD").asText()));
        assertThat(pipeline.path("healthcheck").path("test").toString()).contains("http://localhost:9876/observe/health");
        assertThat(pipeline.path("ports").toString()).contains(":9876\"");
    }

    @Test
    void shouldTakeEverySecretFromTheEnvironmentFile() throws IOException {
        List<String> secrets = new ArrayList<>();
        services.fields().forEachRemaining(service -> service.getValue().path("environment").fields().forEachRemaining(e -> {
            if (SECRET_NAME.matcher(e.getKey()).matches()) {
                secrets.add(service.getKey() + "." + e.getKey());
                Matcher m = VARIABLE.matcher(e.getValue().asText());
                assertThat(m.matches()).as(service.getKey() + " " + e.getKey() + " comes from ${VAR}, not a literal").isTrue();
                assertThat(m.group(2)).as(service.getKey() + " " + e.getKey() + " has no default value").doesNotStartWith(":-");
            }
        }));
        assertThat(secrets).contains("postgres.POSTGRES_PASSWORD", "minio.MINIO_ROOT_PASSWORD", "pipeline.POSTGRES_PASSWORD",
                "pipeline.S3_SECRET_KEY");
        // every variable the compose file reads is documented in .env.example, and .env itself is never committed
        Matcher m = VARIABLE.matcher(composeText);
        while (m.find()) {
            assertThat(envExample.stringPropertyNames()).as("${" + m.group(1) + "} in .env.example").contains(m.group(1));
        }
        assertThat(Files.readAllLines(Path.of(".gitignore"))).contains(".env");
        assertThat(Files.readAllLines(Path.of(".dockerignore"))).contains(".env");
    }

    @Test
    void shouldRunPostgresWithTheProjectsConfigFile() throws IOException {
        JsonNode postgres = services.path("postgres");
        assertThat(postgres.path("image").asText()).startsWith("postgres:17");
        assertThat(postgres.path("volumes").toString()).contains("./postgresql.conf:/etc/postgresql/postgresql.conf:ro");
        assertThat(postgres.path("command").toString()).contains("config_file=/etc/postgresql/postgresql.conf");
        Properties conf = new Properties();
        conf.load(new StringReader(Files.readString(Path.of("postgresql.conf"))));
        assertThat(conf.getProperty("wal_level")).isEqualTo("logical");
        assertThat(Integer.parseInt(conf.getProperty("max_replication_slots"))).isPositive();
        assertThat(Integer.parseInt(conf.getProperty("max_wal_senders"))).isPositive();
    }

    @Test
    void shouldRunKafkaInKraftMode() {
        JsonNode kafka = services.path("kafka");
        assertThat(kafka.path("image").asText()).startsWith("apache/kafka:4.");
        assertThat(kafka.path("environment").path("KAFKA_PROCESS_ROLES").asText()).isEqualTo("broker,controller");
        assertThat(kafka.path("environment").fieldNames()).toIterable().noneMatch(key -> key.contains("ZOOKEEPER"));
        services.fields().forEachRemaining(s -> assertThat(s.getValue().path("image").asText()).doesNotContain("zookeeper"));
    }

    @Test
    void shouldBuildANonRootImageWithTheRoutesAndConfiguration() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("Dockerfile")).stream().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        List<String> from = lines.stream().filter(l -> l.startsWith("FROM ")).toList();
        assertThat(from).hasSize(2);
        assertThat(from.get(0)).startsWith("FROM maven:").endsWith(" AS build");
        assertThat(from.get(1)).isEqualTo("FROM eclipse-temurin:17-jre");
        List<String> runtime = lines.subList(lines.indexOf(from.get(1)), lines.size());
        assertThat(runtime).contains("COPY routes ./routes", "COPY schema ./schema", "COPY application.properties ./",
                "COPY --from=build /src/target/cdc-pipeline.jar ./cdc-pipeline.jar", "WORKDIR /app");
        assertThat(runtime.stream().filter(l -> l.startsWith("USER ")).toList()).singleElement().asString()
                .isNotIn("USER root", "USER 0");
        assertThat(runtime).anyMatch(l -> l.startsWith("VOLUME") && l.contains("/app/csv_files"));
        assertThat(services.path("pipeline").path("volumes").toString()).contains(":/app/csv_files");
        assertThat(services.path("pipeline").path("environment").path("CSV_DIR").asText()).isEqualTo("/app/csv_files");
    }

    private static String variableOf(String value) {
        Matcher m = VARIABLE.matcher(value);
        assertThat(m.matches()).as(value + " is ${VAR}").isTrue();
        return m.group(1);
    }
}
