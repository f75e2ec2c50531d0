package org.cdcpipeline;

import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * of waiting on time, the pipeline pointed at the compose services through its environment, secrets only from .env
 * and never their examples, least-privilege users for the pipeline, JMX users, PostgreSQL with the project's
 * postgresql.conf, images pinned by digest. (That the file is valid Compose is checked by .ci/run.)
 */
class ComposeFileTest {

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Z0-9_]+)([^}]*)}");
    private static final Pattern SECRET_NAME = Pattern.compile(".*(PASSWORD|SECRET|ACCESS_KEY).*");
    private static final Pattern PINNED = Pattern.compile("[a-z0-9./-]+:[A-Za-z0-9._-]+@sha256:[0-9a-f]{64}");

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
    void shouldStartEachServiceOnConditionsNotTime() throws IOException {
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
        assertThat(services.path("create-bucket").path("entrypoint").toString()).contains("/deploy/create-bucket.sh");
        assertThat(Files.readString(Path.of("deploy/minio/create-bucket.sh"))).contains("mc mb --ignore-existing");
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
        // the bucket the pipeline writes to is the one create-bucket makes, with the user create-bucket makes, and the
        // role the postgres service creates
        JsonNode createBucket = services.path("create-bucket").path("environment");
        JsonNode postgres = services.path("postgres").path("environment");
        assertThat(env.path("S3_BUCKET").asText()).isEqualTo(createBucket.path("S3_BUCKET").asText());
        assertThat(variableOf(env.path("S3_ACCESS_KEY").asText())).isEqualTo(variableOf(createBucket.path("S3_ACCESS_KEY").asText()));
        assertThat(variableOf(env.path("S3_SECRET_KEY").asText())).isEqualTo(variableOf(createBucket.path("S3_SECRET_KEY").asText()));
        assertThat(variableOf(env.path("POSTGRES_USER").asText())).isEqualTo(variableOf(postgres.path("PIPELINE_DB_USER").asText()));
        assertThat(variableOf(env.path("POSTGRES_PASSWORD").asText())).isEqualTo(variableOf(postgres.path("PIPELINE_DB_PASSWORD").asText()));
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
        assertThat(secrets).contains("postgres.POSTGRES_PASSWORD", "postgres.PIPELINE_DB_PASSWORD", "minio.MINIO_ROOT_PASSWORD",
                "pipeline.POSTGRES_PASSWORD", "pipeline.S3_SECRET_KEY", "pipeline.JMX_MONITOR_PASSWORD", "pipeline.JMX_CONTROL_PASSWORD");
        // every variable the compose file reads is documented in .env.example, and .env itself is never committed
        Matcher m = VARIABLE.matcher(composeText);
        while (m.find()) {
            assertThat(envExample.stringPropertyNames()).as("${" + m.group(1) + "} in .env.example").contains(m.group(1));
        }
        assertThat(Files.readAllLines(Path.of(".gitignore"))).contains(".env");
        assertThat(Files.readAllLines(Path.of(".dockerignore"))).contains(".env");
    }

    @Test
    void shouldCommitNoSecretButExamplesTheStartRefuses() throws Exception {
        // every secret in .env.example is an example value, marked so that it can be recognised
        for (String name : envExample.stringPropertyNames()) {
            if (SECRET_NAME.matcher(name).matches() && !name.endsWith("ACCESS_KEY")) {
                assertThat(envExample.getProperty(name)).as(name + " in .env.example").contains(ExampleSecrets.MARK);
            }
        }
        // each example value is refused by a service that receives it: the pipeline for its own secrets, the set-up
        // scripts for the superusers' (each names the variable in .env)
        Map<String, String> scripts = Map.of("postgres", Files.readString(Path.of("deploy/postgres/pipeline-role.sh")),
                "create-bucket", Files.readString(Path.of("deploy/minio/create-bucket.sh")));
        for (String name : envExample.stringPropertyNames()) {
            if (!envExample.getProperty(name).contains(ExampleSecrets.MARK)) {
                continue;
            }
            List<String> refusedBy = new ArrayList<>();
            services.fields().forEachRemaining(service -> service.getValue().path("environment").fields().forEachRemaining(e -> {
                Matcher m = VARIABLE.matcher(e.getValue().asText());
                if (!m.matches() || !m.group(1).equals(name)) {
                    return;
                }
                boolean refused = service.getKey().equals("pipeline")
                        ? ExampleSecrets.KEYS.stream().map(ExampleSecrets::variable).anyMatch(e.getKey()::equals)
                        : scripts.getOrDefault(service.getKey(), "").contains("refuse_example_value " + e.getKey());
                if (service.getKey().equals("pipeline")) {
                    assertThat(refused).as("the pipeline refuses the example value of " + e.getKey()).isTrue();
                }
                if (refused) {
                    refusedBy.add(service.getKey());
                }
            }));
            assertThat(refusedBy).as("services refusing the example value of " + name).isNotEmpty();
        }
        if (Files.exists(Path.of(".git"))) {
            Process git = new ProcessBuilder("git", "ls-files", "--", ".env", "**/.env").redirectErrorStream(true).start();
            assertThat(new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).as("committed .env files").isBlank();
            assertThat(git.waitFor()).isZero();
        }
    }

    @Test
    void shouldConnectThePipelineWithLeastPrivilegeUsers() throws IOException {
        JsonNode env = services.path("pipeline").path("environment");
        JsonNode postgres = services.path("postgres").path("environment");
        JsonNode minio = services.path("minio").path("environment");
        // not the superusers
        assertThat(variableOf(env.path("POSTGRES_USER").asText())).isNotEqualTo(variableOf(postgres.path("POSTGRES_PASSWORD").asText()));
        assertThat(postgres.path("POSTGRES_USER").asText()).isEqualTo("postgres");
        assertThat(envExample.getProperty("POSTGRES_USER")).isNotEqualTo("postgres");
        assertThat(variableOf(env.path("POSTGRES_PASSWORD").asText())).isNotEqualTo(variableOf(postgres.path("POSTGRES_PASSWORD").asText()));
        assertThat(variableOf(env.path("S3_ACCESS_KEY").asText())).isNotEqualTo(variableOf(minio.path("MINIO_ROOT_USER").asText()));
        assertThat(variableOf(env.path("S3_SECRET_KEY").asText())).isNotEqualTo(variableOf(minio.path("MINIO_ROOT_PASSWORD").asText()));
        assertThat(envExample.getProperty("S3_ACCESS_KEY")).isNotEqualTo(envExample.getProperty("MINIO_ROOT_USER"));

        // PostgreSQL: a role created at initialisation with LOGIN REPLICATION, no superuser powers
        assertThat(services.path("postgres").path("volumes").toString())
                .contains("./deploy/postgres/pipeline-role.sh:/docker-entrypoint-initdb.d/")
                .contains("./deploy/postgres/pipeline-role.sql:/deploy/pipeline-role.sql");
        assertThat(Files.readString(Path.of("deploy/postgres/pipeline-role.sh"))).contains("-f /deploy/pipeline-role.sql");
        String sql = String.join("\n", Files.readAllLines(Path.of("deploy/postgres/pipeline-role.sql")).stream()
                .filter(l -> !l.startsWith("--")).toList());
        assertThat(sql).contains("CREATE ROLE :\"role\" LOGIN REPLICATION PASSWORD :'password';")
                .doesNotContainIgnoringCase("SUPERUSER").doesNotContainIgnoringCase("CREATEROLE")
                .doesNotContainIgnoringCase("CREATEDB").doesNotContainIgnoringCase("BYPASSRLS")
                .doesNotContainIgnoringCase("GRANT ALL").doesNotContainIgnoringCase("pg_write_all_data");

        // MinIO: a user whose policy names only the bucket, its objects and no administration
        String script = Files.readString(Path.of("deploy/minio/create-bucket.sh"));
        assertThat(script).contains("mc admin policy create minio cdc-pipeline", "mc admin user add minio \"$S3_ACCESS_KEY\" \"$S3_SECRET_KEY\"",
                "mc admin policy attach minio cdc-pipeline --user \"$S3_ACCESS_KEY\"");
        Matcher resource = Pattern.compile("arn:aws:s3:::[^\"\\\\]*").matcher(script);
        Set<String> resources = new TreeSet<>();
        while (resource.find()) {
            resources.add(resource.group());
        }
        assertThat(resources).containsExactly("arn:aws:s3:::$S3_BUCKET", "arn:aws:s3:::$S3_BUCKET/*");
        assertThat(script).doesNotContain("s3:*", "admin:", "s3:PutBucketPolicy", "s3:DeleteBucket");
    }

    @Test
    void shouldGiveThePipelinesJmxAMonitorAndAControlUser() {
        JsonNode env = services.path("pipeline").path("environment");
        // JMX listens beyond loopback inside the container, which the pipeline allows only with users
        assertThat(env.path("JMX_HOST").asText()).isEqualTo("0.0.0.0");
        assertThat(variableOf(env.path("JMX_MONITOR_PASSWORD").asText())).isEqualTo("JMX_MONITOR_PASSWORD");
        assertThat(variableOf(env.path("JMX_CONTROL_PASSWORD").asText())).isEqualTo("JMX_CONTROL_PASSWORD");
        assertThat(envExample.getProperty("JMX_MONITOR_PASSWORD")).isNotEqualTo(envExample.getProperty("JMX_CONTROL_PASSWORD"));
        assertThat(services.path("pipeline").path("ports").toString()).contains("\"127.0.0.1:${PIPELINE_JMX_HOST_PORT:-1099}:1099\"");
    }

    @Test
    void shouldPinEveryImageByDigest() throws IOException {
        services.fields().forEachRemaining(service -> {
            if (service.getValue().has("image")) {
                assertThat(service.getValue().path("image").asText()).as(service.getKey() + " image").matches(PINNED);
            } else {
                assertThat(service.getValue().path("build").asText()).as(service.getKey() + " builds the Dockerfile").isEqualTo(".");
            }
        });
        List<String> from = Files.readAllLines(Path.of("Dockerfile")).stream().map(String::strip)
                .filter(l -> l.startsWith("FROM ")).toList();
        assertThat(from).isNotEmpty().allSatisfy(l -> assertThat(l.split("\\s+")[1]).as(l).matches(PINNED));
        // and each file says how to update them
        for (String file : List.of("Dockerfile", "docker-compose.yml")) {
            assertThat(Files.readString(Path.of(file))).as(file).contains("docker buildx imagetools inspect IMAGE:TAG")
                    .contains("docker inspect --format '{{index .RepoDigests 0}}' IMAGE:TAG");
        }
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
        assertThat(from.get(1)).startsWith("FROM eclipse-temurin:17-jre@sha256:");
        List<String> runtime = lines.subList(lines.indexOf(from.get(1)), lines.size());
        assertThat(runtime).contains("COPY routes ./routes", "COPY schema ./schema", "COPY application.properties ./",
                "COPY --from=build /src/target/cdc-pipeline.jar ./cdc-pipeline.jar", "WORKDIR /app");
        assertThat(runtime.stream().filter(l -> l.startsWith("USER ")).toList()).singleElement().asString()
                .isNotIn("USER root", "USER 0");
        // a JVM out of memory exits, and compose restarts it
        assertThat(runtime.stream().filter(l -> l.startsWith("ENTRYPOINT ")).toList()).singleElement().asString()
                .contains("\"java\", \"-XX:+ExitOnOutOfMemoryError\"");
        assertThat(services.path("pipeline").path("restart").asText()).isIn("always", "unless-stopped", "on-failure");
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
