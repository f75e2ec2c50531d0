package org.cdcpipeline.faults;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.utils.ThreadUtils;
import org.cdcpipeline.TcpProxy;
import org.cdcpipeline.TestServices;
import org.cdcpipeline.embedded.EmbeddedServices;

/**
 * The PostgreSQL, Kafka broker and S3 server of one fault-injection run, of its own (the shared test servers must not
 * be restarted under other tests), on free loopback ports. Each server can be stopped and started again on the same
 * port and data; S3 is reached only through a {@link TcpProxy}.
 */
final class FaultServers implements AutoCloseable {

    static final String BUCKET = "processed-data";
    private static final String PASSWORD = "fault-injection-secret";

    private final Map<String, String> postgresConfig;
    private final Map<String, String> kafkaConfig;
    private final Map<String, String> s3Config;
    private final Path postgresData;
    private EmbeddedServices postgres;
    private EmbeddedServices kafka;
    private EmbeddedServices s3;
    private TcpProxy s3Proxy;
    private final ScheduledExecutorService repairs =
            Executors.newSingleThreadScheduledExecutor(ThreadUtils.createThreadFactory("fault-repair", true));

    private FaultServers(Path work) {
        postgresData = work.resolve("postgres");
        postgresConfig = only(work.resolve("postgres"), "postgres.host");
        postgresConfig.put("postgres.port", String.valueOf(TestServices.freePort()));
        postgresConfig.put("postgres.user", "postgres");
        postgresConfig.put("postgres.password", PASSWORD);
        // wal_level=logical and synchronous_commit=on, as a deployed server has them
        postgresConfig.put("postgres.embedded.config-file", "postgresql.conf");
        kafkaConfig = only(work.resolve("kafka"), "kafka.bootstrap-servers");
        kafkaConfig.put("kafka.embedded.port", String.valueOf(TestServices.freePort()));
        kafkaConfig.put("kafka.embedded.controller-port", String.valueOf(TestServices.freePort()));
        s3Config = only(work.resolve("s3"), "s3.endpoint");
        s3Config.put("s3.embedded.port", String.valueOf(TestServices.freePort()));
        s3Config.put("s3.bucket", BUCKET);
        s3Config.put("s3.access-key", "fault-injection-access");
        s3Config.put("s3.secret-key", "fault-injection-secret-key");
    }

    /** Starts the three servers side by side (each takes seconds) and opens the proxy. */
    static FaultServers start(Path work) throws Exception {
        FaultServers servers = new FaultServers(work);
        CompletableFuture<EmbeddedServices> postgres = CompletableFuture.supplyAsync(() -> EmbeddedServices.start(servers::postgresSetting, false));
        CompletableFuture<EmbeddedServices> kafka = CompletableFuture.supplyAsync(() -> EmbeddedServices.start(servers::kafkaSetting, false));
        CompletableFuture<EmbeddedServices> s3 = CompletableFuture.supplyAsync(() -> EmbeddedServices.start(servers::s3Setting, false));
        try {
            servers.postgres = postgres.get(3, TimeUnit.MINUTES);
            servers.kafka = kafka.get(3, TimeUnit.MINUTES);
            servers.s3 = s3.get(3, TimeUnit.MINUTES);
            servers.s3Proxy = new TcpProxy(Integer.parseInt(servers.s3Config.get("s3.embedded.port")));
            servers.s3Proxy.up();
            return servers;
        } catch (Exception e) {
            for (CompletableFuture<EmbeddedServices> started : List.of(postgres, kafka, s3)) {
                started.thenAccept(EmbeddedServices::close);
            }
            throw e;
        }
    }

    /** Configuration that starts one embedded server only: the other endpoints are set, so none of them starts. */
    private static Map<String, String> only(Path dataDir, String endpointKey) {
        Map<String, String> config = new HashMap<>();
        config.put("pipeline.data-dir", dataDir.toString());
        for (String key : List.of("postgres.host", "kafka.bootstrap-servers", "s3.endpoint")) {
            config.put(key, key.equals(endpointKey) ? "" : "elsewhere");
        }
        return config;
    }

    private String postgresSetting(String key) {
        return postgresConfig.getOrDefault(key, "");
    }

    private String kafkaSetting(String key) {
        return kafkaConfig.getOrDefault(key, "");
    }

    private String s3Setting(String key) {
        return s3Config.getOrDefault(key, "");
    }

    /** What the pipeline is pointed at: PostgreSQL and Kafka directly, S3 through the fault proxy. */
    Map<String, String> pipelineEndpoints() {
        Map<String, String> endpoints = new HashMap<>();
        endpoints.put("postgres.host", "127.0.0.1");
        endpoints.put("postgres.port", postgresConfig.get("postgres.port"));
        endpoints.put("postgres.user", "postgres");
        endpoints.put("postgres.password", PASSWORD);
        endpoints.put("kafka.bootstrap-servers", kafkaBootstrap());
        endpoints.put("s3.endpoint", "http://127.0.0.1:" + s3Proxy.port());
        endpoints.put("s3.bucket", BUCKET);
        endpoints.put("s3.access-key", s3Config.get("s3.access-key"));
        endpoints.put("s3.secret-key", s3Config.get("s3.secret-key"));
        return endpoints;
    }

    String kafkaBootstrap() {
        return "127.0.0.1:" + kafkaConfig.get("kafka.embedded.port");
    }

    /** The S3 server itself, not the proxy: how the test reads the bucket whatever fault the pipeline sees. */
    String s3DirectEndpoint() {
        return "http://127.0.0.1:" + s3Config.get("s3.embedded.port");
    }

    String s3AccessKey() {
        return s3Config.get("s3.access-key");
    }

    String s3SecretKey() {
        return s3Config.get("s3.secret-key");
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + postgresConfig.get("postgres.port")
                + "/postgres?connectTimeout=5&socketTimeout=60", "postgres", PASSWORD);
    }

    void execute(String sql) throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    TcpProxy s3Proxy() {
        return s3Proxy;
    }

    /**
     * A crash of PostgreSQL (pg_ctl stop -m immediate: SIGQUIT to the postmaster, no checkpoint, in-flight transactions
     * lost), then a start on the same data directory and port, which replays the WAL.
     */
    void restartPostgresImmediately() throws Exception {
        long pid = Long.parseLong(Files.readAllLines(postgresData.resolve("postgres").resolve("postmaster.pid")).get(0).trim());
        ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("no postmaster " + pid));
        new ProcessBuilder("kill", "-QUIT", Long.toString(pid)).inheritIO().start().waitFor();
        postmaster.onExit().get(60, TimeUnit.SECONDS);
        // releases the data directory lock; its own stop request finds no server, which it logs
        postgres.close();
        postgres = EmbeddedServices.start(this::postgresSetting, false);
    }

    /** The walsender serving the pipeline's replication slot is terminated, as an administrator or a failover does. */
    int terminateWalsender() throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement();
             var rs = st.executeQuery("SELECT count(*) FILTER (WHERE pg_terminate_backend(active_pid)) FROM pg_replication_slots WHERE active_pid IS NOT NULL")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** The broker stopped (controlled shutdown) and started again on the same port and log directory. */
    void restartKafka() {
        kafka.close();
        kafka = EmbeddedServices.start(this::kafkaSetting, false);
    }

    /** S3 unreachable for a while: returns once it is reachable again. */
    void cutS3(Duration outage) throws Exception {
        s3Proxy.down();
        repairAfter(outage, () -> s3Proxy.up());
    }

    /** Every upload held back by {@code delay} for a while, so batches queue behind the slow ones; returns after it. */
    void slowS3(Duration delay, Duration period) throws Exception {
        s3Proxy.delayUploads(delay);
        repairAfter(period, () -> s3Proxy.delayUploads(Duration.ZERO));
    }

    /** Runs the repair once the fault has lasted {@code duration}, and waits until it has run. */
    private void repairAfter(Duration duration, Repair repair) throws Exception {
        try {
            repairs.schedule(() -> {
                repair.run();
                return null;
            }, duration.toMillis(), TimeUnit.MILLISECONDS).get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    private interface Repair {
        void run() throws Exception;
    }

    @Override
    public void close() throws Exception {
        repairs.shutdownNow();
        if (s3Proxy != null) {
            s3Proxy.close();
        }
        for (EmbeddedServices services : new EmbeddedServices[] {s3, kafka, postgres}) {
            if (services != null) {
                services.close();
            }
        }
    }
}
