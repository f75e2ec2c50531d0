package org.cdcpipeline;

import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What docker-compose.yml and the Dockerfile must keep for a real deployment: healthchecks and start conditions instead
 * of waiting on time, the pipeline pointed at the compose services through its environment, secrets only from .env
 * and never their examples, least-privilege users for the pipeline, JMX users, PostgreSQL with the project's
 * postgresql.conf, images pinned by digest; and the profile cluster: three Kafka nodes in one KRaft quorum that
 * replicate every topic three times, and two pipelines of one configuration sharing capture's position. (That the file
 * is valid Compose is checked by .ci/run.)
 */
class ComposeFileTest {

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Z0-9_]+)([^}]*)}");
    private static final Pattern SECRET_NAME = Pattern.compile(".*(PASSWORD|SECRET|ACCESS_KEY).*");
    private static final Pattern PINNED = Pattern.compile("[a-z0-9./-]+:[A-Za-z0-9._-]+@sha256:[0-9a-f]{64}");
    /** A published port: host address, host port and container port, each port a number or ${VAR:-default}. */
    private static final Pattern PUBLISHED = Pattern.compile("([0-9.]+):(\\$\\{[A-Z0-9_]+:-\\d+}|\\d+):(\\$\\{[A-Z0-9_]+:-\\d+}|\\d+)");
    private static final List<String> DEFAULT_SERVICES = List.of("postgres", "kafka", "minio", "create-bucket", "pipeline");
    private static final List<String> BROKERS = List.of("kafka-1", "kafka-2", "kafka-3");
    private static final List<String> CLUSTER_PIPELINES = List.of("pipeline-1", "pipeline-2");

    private static JsonNode compose;
    private static JsonNode services;
    private static Properties envExample;
    private static String composeText;

    @BeforeAll
    static void read() throws IOException {
        composeText = Files.readString(Path.of("docker-compose.yml"));
        // SnakeYAML resolves the file's anchors, aliases and merge keys (<<) as Compose does; Jackson's YAML tree
        // would keep an alias as the anchor's name
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        Object document = new Yaml(new SafeConstructor(options)).load(composeText);
        compose = new ObjectMapper().valueToTree(document);
        services = compose.path("services");
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
                boolean refused = pipelines().contains(service.getKey())
                        ? ExampleSecrets.KEYS.stream().map(ExampleSecrets::variable).anyMatch(e.getKey()::equals)
                        : scripts.getOrDefault(service.getKey(), "").contains("refuse_example_value " + e.getKey());
                if (pipelines().contains(service.getKey())) {
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
        assertThat(pipelines()).contains("pipeline", "pipeline-1", "pipeline-2");
        for (String pipeline : pipelines()) {
            JsonNode env = services.path(pipeline).path("environment");
            // JMX listens beyond loopback inside the container, which the pipeline allows only with users
            assertThat(env.path("JMX_HOST").asText()).as(pipeline).isEqualTo("0.0.0.0");
            assertThat(variableOf(env.path("JMX_MONITOR_PASSWORD").asText())).as(pipeline).isEqualTo("JMX_MONITOR_PASSWORD");
            assertThat(variableOf(env.path("JMX_CONTROL_PASSWORD").asText())).as(pipeline).isEqualTo("JMX_CONTROL_PASSWORD");
            // the port JMX listens on is published: its stubs name that port to the clients
            assertThat(published(pipeline)).as(pipeline).anyMatch(p -> p[2].equals(env.path("JMX_PORT").asText()));
        }
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
        assertThat(runtime).anyMatch(l -> l.startsWith("VOLUME") && l.contains("/app/csv_files"));
        for (String pipeline : pipelines()) {
            assertThat(services.path(pipeline).path("restart").asText()).as(pipeline).isIn("always", "unless-stopped", "on-failure");
            assertThat(services.path(pipeline).path("volumes").toString()).as(pipeline).contains(":/app/csv_files");
            assertThat(services.path(pipeline).path("environment").path("CSV_DIR").asText()).as(pipeline).isEqualTo("/app/csv_files");
        }
    }

    @Test
    void shouldKeepTheClusterInItsProfileAndTheDefaultServicesAsTheyWere() {
        Map<String, String> profiles = new TreeMap<>();
        services.fields().forEachRemaining(s -> profiles.put(s.getKey(), s.getValue().path("profiles").toString()));
        // `docker compose up` starts the services without a profile: the single-node setup, as before the profile
        for (String service : DEFAULT_SERVICES) {
            assertThat(services.path(service).has("profiles")).as(service + " has no profile").isFalse();
        }
        List<String> cluster = new ArrayList<>(BROKERS);
        cluster.addAll(CLUSTER_PIPELINES);
        for (String service : cluster) {
            assertThat(profiles.get(service)).as(service + " profiles").isEqualTo("[\"cluster\"]");
        }
        assertThat(profiles.keySet()).containsExactlyInAnyOrderElementsOf(concat(DEFAULT_SERVICES, cluster));
        // neither setup needs the other's Kafka or pipeline: `up pipeline-1 pipeline-2` starts no single-node pipeline
        // (which would compete for the replication slot), and `up` no cluster service
        services.fields().forEachRemaining(s -> s.getValue().path("depends_on").fieldNames().forEachRemaining(dep -> {
            boolean inCluster = cluster.contains(s.getKey());
            assertThat(dep).as(s.getKey() + " depends_on").isNotIn(inCluster ? List.of("kafka", "pipeline") : cluster);
        }));
        assertThat(composeText).contains("docker compose --profile cluster up -d --build pipeline-1 pipeline-2");
    }

    @Test
    void shouldRunTheClusterKafkaNodesAsOneKraftQuorum() {
        JsonNode single = services.path("kafka");
        Set<String> clusterIds = new TreeSet<>();
        Set<String> voters = new TreeSet<>();
        Map<String, String> expectedVoters = new TreeMap<>();
        for (String broker : BROKERS) {
            JsonNode node = services.path(broker);
            JsonNode env = node.path("environment");
            // the image and the healthcheck of the single node
            assertThat(node.path("image").asText()).as(broker).isEqualTo(single.path("image").asText());
            assertThat(node.path("healthcheck")).as(broker).isEqualTo(single.path("healthcheck"));
            assertThat(env.path("KAFKA_PROCESS_ROLES").asText()).as(broker).isEqualTo("broker,controller");
            assertThat(env.fieldNames()).toIterable().as(broker).noneMatch(key -> key.contains("ZOOKEEPER"));
            assertThat(env.path("KAFKA_CONTROLLER_LISTENER_NAMES").asText()).as(broker).isEqualTo("CONTROLLER");
            Matcher controller = Pattern.compile("(?:^|,)CONTROLLER://:(\\d+)").matcher(env.path("KAFKA_LISTENERS").asText());
            assertThat(controller.find()).as(broker + " listens for the controllers").isTrue();
            expectedVoters.put(env.path("KAFKA_NODE_ID").asText(), broker + ":" + controller.group(1));
            voters.add(env.path("KAFKA_CONTROLLER_QUORUM_VOTERS").asText());
            // the image formats the node's storage with CLUSTER_ID: one id, a KRaft cluster id (a base64 UUID)
            clusterIds.add(env.path("CLUSTER_ID").asText());
            assertThat(env.path("CLUSTER_ID").asText()).as(broker + " CLUSTER_ID").matches("[A-Za-z0-9_-]{22}");
            assertThat(env.path("KAFKA_ADVERTISED_LISTENERS").asText()).as(broker).contains("PLAINTEXT://" + broker + ":9092");
        }
        assertThat(expectedVoters).as("node ids").hasSize(BROKERS.size());
        assertThat(clusterIds).as("CLUSTER_ID of the nodes").hasSize(1);
        assertThat(voters).as("KAFKA_CONTROLLER_QUORUM_VOTERS of the nodes").hasSize(1);
        Map<String, String> quorum = new TreeMap<>();
        for (String voter : voters.iterator().next().split(",")) {
            String[] idAndAddress = voter.strip().split("@", 2);
            assertThat(quorum.put(idAndAddress[0], idAndAddress[1])).as("voter " + idAndAddress[0] + " listed once").isNull();
        }
        // every node votes, at its own controller listener, and nothing else does
        assertThat(quorum).isEqualTo(expectedVoters);
        // the nodes start together: a quorum needs two of them before any is healthy
        for (String broker : BROKERS) {
            assertThat(services.path(broker).path("depends_on").fieldNames()).toIterable().as(broker)
                    .noneMatch(BROKERS::contains);
        }
    }

    @Test
    void shouldReplicateEveryClusterTopicThreeTimesAndAcknowledgeOnTwo() {
        for (String broker : BROKERS) {
            JsonNode env = services.path(broker).path("environment");
            for (String replicas : List.of("KAFKA_DEFAULT_REPLICATION_FACTOR", "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
                    "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR")) {
                assertThat(env.path(replicas).asText()).as(broker + " " + replicas).isEqualTo(String.valueOf(BROKERS.size()));
            }
            // a write is on two nodes before it is acknowledged, and one node may be lost without refusing writes
            for (String minIsr : List.of("KAFKA_MIN_INSYNC_REPLICAS", "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR")) {
                assertThat(env.path(minIsr).asText()).as(broker + " " + minIsr).isEqualTo("2");
            }
            // topics are created by capture, with its partitions and replicas, never by the broker with its defaults
            assertThat(env.path("KAFKA_AUTO_CREATE_TOPICS_ENABLE").asText()).as(broker).isEqualTo("false");
            assertThat(env.path("KAFKA_AUTO_CREATE_TOPICS_ENABLE").isTextual()).as(broker + " a string, as Compose wants").isTrue();
        }
    }

    @Test
    void shouldGiveEachClusterNodeAndPipelineItsOwnVolumeAndHostPorts() {
        Set<String> volumes = new HashSet<>();
        for (String broker : BROKERS) {
            JsonNode node = services.path(broker);
            String dataDir = node.path("environment").path("KAFKA_LOG_DIRS").asText();
            List<String> mounts = mounts(broker, dataDir);
            assertThat(mounts).as(broker + " " + dataDir).hasSize(1);
            assertThat(volumes.add(mounts.get(0))).as(broker + " volume " + mounts.get(0) + " of its own").isTrue();
            // tools on this machine reach the node at the port it advertises on its HOST listener
            List<String[]> ports = published(broker);
            assertThat(ports).as(broker + " ports").hasSize(1);
            assertThat(node.path("environment").path("KAFKA_ADVERTISED_LISTENERS").asText()).as(broker)
                    .contains("HOST://localhost:" + ports.get(0)[1]);
        }
        for (String pipeline : CLUSTER_PIPELINES) {
            JsonNode env = services.path(pipeline).path("environment");
            assertThat(env.path("PIPELINE_DATA_DIR").asText()).as(pipeline).isEqualTo("/app/data");
            List<String> mounts = mounts(pipeline, "/app/data");
            assertThat(mounts).as(pipeline + " /app/data").hasSize(1);
            assertThat(volumes.add(mounts.get(0))).as(pipeline + " volume " + mounts.get(0) + " of its own").isTrue();
            // management and JMX published; JMX at the same port inside, as its stubs name the port it listens on
            assertThat(published(pipeline)).as(pipeline).anyMatch(p -> p[2].equals("9876"));
            assertThat(published(pipeline)).as(pipeline)
                    .anyMatch(p -> p[1].equals(env.path("JMX_PORT").asText()) && p[2].equals(p[1]));
        }
        // named volumes, declared, none of the single-node setup's
        volumes.forEach(volume -> assertThat(compose.path("volumes").has(volume)).as(volume + " declared").isTrue());
        assertThat(volumes).doesNotContain("kafka-data", "pipeline-data");
        // every port on the host's loopback only, no two services on one, each from a variable of .env.example with
        // the same default
        Map<String, String> hostPorts = new LinkedHashMap<>();
        services.fields().forEachRemaining(s -> {
            for (String[] port : published(s.getKey())) {
                assertThat(port[0]).as(s.getKey() + " publishes on").isEqualTo("127.0.0.1");
                Matcher variable = VARIABLE.matcher(port[1]);
                if (!DEFAULT_SERVICES.contains(s.getKey())) {
                    assertThat(variable.matches()).as(s.getKey() + " host port " + port[1] + " from a variable").isTrue();
                }
                String resolved = port[1];
                if (variable.matches()) {
                    assertThat(variable.group(2)).as(port[1]).startsWith(":-");
                    assertThat(envExample.getProperty(variable.group(1))).as(variable.group(1) + " in .env.example")
                            .isEqualTo(variable.group(2).substring(2));
                    resolved = variable.group(2).substring(2);
                }
                String other = hostPorts.put(resolved, s.getKey());
                assertThat(other).as("host port " + resolved + " of " + s.getKey() + " also taken by").isNull();
            }
        });
    }

    @Test
    void shouldRunTheClusterPipelinesWithOneCaptureConfiguration() throws IOException {
        Properties defaults = new Properties();
        defaults.load(new StringReader(Files.readString(Path.of("application.properties"))));
        Map<String, String> single = environment("pipeline");
        Set<String> bootstrap = new TreeSet<>();
        for (String broker : BROKERS) {
            bootstrap.add(broker + ":9092");
        }
        Map<String, String> first = null;
        for (String pipeline : CLUSTER_PIPELINES) {
            JsonNode service = services.path(pipeline);
            Map<String, String> env = environment(pipeline);
            assertThat(service.path("build").asText()).as(pipeline).isEqualTo(".");
            // every node, so that any one of them answers
            assertThat(Set.of(env.get("KAFKA_BOOTSTRAP_SERVERS").split(","))).as(pipeline + " KAFKA_BOOTSTRAP_SERVERS")
                    .isEqualTo(bootstrap);
            assertThat(service.path("depends_on").fieldNames()).toIterable().as(pipeline)
                    .containsExactlyInAnyOrderElementsOf(concat(List.of("postgres", "create-bucket"), BROKERS));
            BROKERS.forEach(broker -> assertThat(service.path("depends_on").path(broker).path("condition").asText())
                    .as(pipeline + " waits for " + broker).isEqualTo("service_healthy"));
            // capture's topics: replicated on the three nodes, acknowledged on two, at least a partition per instance
            assertThat(env.get("CDC_TOPIC_REPLICATION_FACTOR")).as(pipeline).isEqualTo(String.valueOf(BROKERS.size()));
            assertThat(env.get("CDC_TOPIC_MIN_INSYNC_REPLICAS")).as(pipeline).isEqualTo("2");
            Matcher partitions = VARIABLE.matcher(env.get("CDC_TOPIC_PARTITIONS"));
            assertThat(partitions.matches()).as(pipeline + " CDC_TOPIC_PARTITIONS from a variable").isTrue();
            assertThat(Integer.parseInt(partitions.group(2).substring(2))).as("default partitions")
                    .isGreaterThanOrEqualTo(CLUSTER_PIPELINES.size());
            assertThat(Integer.parseInt(envExample.getProperty(partitions.group(1)))).as(partitions.group(1))
                    .isGreaterThanOrEqualTo(CLUSTER_PIPELINES.size());
            // the position in a table of the pipeline's state schema, where every instance reads it
            assertThat(env.get("CDC_OFFSETS_TABLE")).as(pipeline)
                    .startsWith(defaults.getProperty("aggregate.state-schema") + ".").matches("[a-z_]+\\.[a-z_]+");
            // one replication slot, publication and topics for all: none of them set per instance
            assertThat(env.keySet()).as(pipeline).doesNotContain("CDC_SLOT_NAME", "CDC_PUBLICATION_NAME",
                    "ARCHIVE_GROUP_ID", "AGGREGATE_STATE_SCHEMA");
            // otherwise the single-node pipeline's configuration
            Map<String, String> inherited = new TreeMap<>(single);
            inherited.keySet().removeAll(List.of("KAFKA_BOOTSTRAP_SERVERS", "JMX_PORT"));
            assertThat(env).as(pipeline).containsAllEntriesOf(inherited);
            assertThat(service.path("healthcheck")).as(pipeline).isEqualTo(services.path("pipeline").path("healthcheck"));
            // both import from the one folder: a file is imported once, by the instance holding its lock file's lock
            assertThat(service.path("volumes").toString()).as(pipeline).contains("\"./csv_files:/app/csv_files\"");
            if (first == null) {
                first = env;
            } else {
                Map<String, String> same = new TreeMap<>(env);
                same.remove("JMX_PORT");
                Map<String, String> firstSame = new TreeMap<>(first);
                firstSame.remove("JMX_PORT");
                assertThat(same).as(pipeline + " configured as " + CLUSTER_PIPELINES.get(0)).isEqualTo(firstSame);
                assertThat(env.get("JMX_PORT")).isNotEqualTo(first.get("JMX_PORT"));
            }
        }
    }

    /** The services that run the pipeline: those built from the Dockerfile. */
    private static List<String> pipelines() {
        List<String> pipelines = new ArrayList<>();
        services.fields().forEachRemaining(s -> {
            if (s.getValue().path("build").asText().equals(".")) {
                pipelines.add(s.getKey());
            }
        });
        return pipelines;
    }

    private static Map<String, String> environment(String service) {
        Map<String, String> env = new TreeMap<>();
        services.path(service).path("environment").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        return env;
    }

    /** The ports a service publishes: host address, host port and container port, as written. */
    private static List<String[]> published(String service) {
        List<String[]> ports = new ArrayList<>();
        for (JsonNode port : services.path(service).path("ports")) {
            Matcher m = PUBLISHED.matcher(port.asText());
            assertThat(m.matches()).as(service + " publishes " + port.asText() + " as address:host:container").isTrue();
            ports.add(new String[] {m.group(1), m.group(2), m.group(3)});
        }
        return ports;
    }

    /** The sources mounted at {@code target} in a service. */
    private static List<String> mounts(String service, String target) {
        List<String> sources = new ArrayList<>();
        for (JsonNode volume : services.path(service).path("volumes")) {
            String[] parts = volume.asText().split(":");
            if (parts.length >= 2 && parts[1].equals(target)) {
                sources.add(parts[0]);
            }
        }
        return sources;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static String variableOf(String value) {
        Matcher m = VARIABLE.matcher(value);
        assertThat(m.matches()).as(value + " is ${VAR}").isTrue();
        return m.group(1);
    }
}
