package org.cdcpipeline;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.cdcpipeline.embedded.EmbeddedServices;

/**
 * The real PostgreSQL, Kafka and S3 servers of a test run, started once per JVM on free loopback ports and shared by
 * every test; tests isolate themselves with their own schema, topics or prefixes.
 */
public final class TestServices {

    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private static Map<String, String> endpoints;

    private TestServices() {
    }

    /** Properties that point a pipeline at the shared servers (as external services: it starts none itself). */
    public static synchronized Map<String, String> endpoints() {
        if (endpoints == null && "containers".equals(System.getProperty("cdc.test.services"))) {
            endpoints = Map.copyOf(containerEndpoints());
        }
        if (endpoints == null) {
            Map<String, String> config = privateServices(Path.of("target", "test-services"), "test");
            EmbeddedServices services = EmbeddedServices.start(key -> config.getOrDefault(key, ""), true);
            Runtime.getRuntime().addShutdownHook(new Thread(services::close, "test-services-stop"));
            Map<String, String> result = new HashMap<>(services.endpoints());
            result.put("s3.bucket", "processed-data");
            endpoints = Map.copyOf(result);
        }
        return endpoints;
    }

    /** PostgreSQL, Kafka and MinIO containers (mvn -Pcontainers, which puts Testcontainers on the classpath). */
    @SuppressWarnings("unchecked")
    private static Map<String, String> containerEndpoints() {
        try {
            return (Map<String, String>) Class.forName("org.cdcpipeline.containers.ContainerServices")
                    .getMethod("start").invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Cannot start the test containers: " + e.getCause(), e);
        }
    }

    /**
     * Configuration for EmbeddedServices that starts a PostgreSQL of its own on a free port, with its data in
     * {@code dataDir}; Kafka and S3 point at a closed loopback port until the caller sets them.
     */
    public static Map<String, String> privatePostgres(Path dataDir, String password) {
        Map<String, String> config = new HashMap<>();
        config.put("pipeline.data-dir", dataDir.toString());
        config.put("postgres.host", "");
        config.put("postgres.port", String.valueOf(freePort()));
        config.put("postgres.embedded.config-file", "postgresql.conf");
        config.put("postgres.user", "postgres");
        config.put("postgres.password", password);
        config.put("kafka.bootstrap-servers", "127.0.0.1:9");
        config.put("s3.endpoint", "http://127.0.0.1:9");
        config.put("archive.enabled", "false");
        return config;
    }

    /** As {@link #privatePostgres}, with a Kafka broker and an S3 server of its own too. */
    public static Map<String, String> privateServices(Path dataDir, String password) {
        Map<String, String> config = privatePostgres(dataDir, password);
        config.put("kafka.bootstrap-servers", "");
        config.put("kafka.embedded.port", String.valueOf(freePort()));
        config.put("kafka.embedded.controller-port", String.valueOf(freePort()));
        config.put("s3.endpoint", "");
        config.put("s3.embedded.port", String.valueOf(freePort()));
        config.put("s3.bucket", "processed-data");
        config.put("s3.access-key", password + "-access");
        config.put("s3.secret-key", password + "-secret");
        return config;
    }

    public static String jdbcUrl() {
        Map<String, String> e = endpoints();
        return "jdbc:postgresql://" + e.get("postgres.host") + ":" + e.get("postgres.port") + "/postgres";
    }

    public static Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), "postgres", endpoints().get("postgres.password"));
    }

    /** Runs statements on the shared PostgreSQL, in order. */
    public static void execute(String... statements) throws SQLException {
        try (Connection c = connect(); java.sql.Statement st = c.createStatement()) {
            for (String sql : statements) {
                st.execute(sql);
            }
        }
    }

    /** The first column of every row a query returns, as text. */
    public static java.util.List<String> column(String sql) throws SQLException {
        java.util.List<String> rows = new java.util.ArrayList<>();
        try (Connection c = connect(); java.sql.Statement st = c.createStatement(); java.sql.ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
        }
        return rows;
    }

    /**
     * A loopback port free now and never handed out before in this test run: the kernel may give the same ephemeral
     * port to two binds in a row once the first socket is closed, and two servers of one pipeline must not share one.
     */
    public static int freePort() {
        while (true) {
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                if (HANDED_OUT.add(socket.getLocalPort())) {
                    return socket.getLocalPort();
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
