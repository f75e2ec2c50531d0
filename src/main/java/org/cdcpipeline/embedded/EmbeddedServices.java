package org.cdcpipeline.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

import org.cdcpipeline.StartupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a real PostgreSQL, Kafka broker and S3 server on 127.0.0.1 for every endpoint the configuration leaves empty
 * (postgres.host, kafka.bootstrap-servers, s3.endpoint), and reports the endpoints to use as properties.
 */
public final class EmbeddedServices implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedServices.class);

    private final Deque<AutoCloseable> running = new ArrayDeque<>();
    private final Map<String, String> endpoints = new LinkedHashMap<>();
    private DataDirectoryLock lock;
    private boolean closed;

    /** Services not started yet: {@link #open} starts them; {@link #close} may come from another thread meanwhile. */
    public EmbeddedServices() {
    }

    /**
     * @param config property lookup (application.properties with environment overrides); unset keys give ""
     * @param wipeData delete the embedded services' data before starting
     */
    public static EmbeddedServices start(Function<String, String> config, boolean wipeData) {
        EmbeddedServices services = new EmbeddedServices();
        services.open(config, wipeData);
        return services;
    }

    /**
     * Starts the services the configuration leaves without an endpoint. A {@link #close} while they start (Ctrl-C during
     * the start) waits for the server being started, stops those running and lets no further one start.
     */
    public void open(Function<String, String> config, boolean wipeData) {
        try {
            startAll(config, wipeData);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Starts one server unless the services were closed meanwhile; a close waits for it. */
    private synchronized void run(java.util.function.Supplier<AutoCloseable> server) {
        if (closed) {
            throw new org.cdcpipeline.StoppedWhileStartingException("Stopped while starting the embedded services.");
        }
        try {
            running.push(server.get());
        } catch (RuntimeException | Error e) {
            // a server starting while the JVM exits fails in its own way (Kafka cannot add its shutdown hook)
            if (jvmExiting()) {
                throw new org.cdcpipeline.StoppedWhileStartingException("Stopped while starting the embedded services.");
            }
            throw e;
        }
    }

    private static boolean jvmExiting() {
        Thread probe = new Thread(() -> { });
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException e) {
            return true;
        }
    }

    private void startAll(Function<String, String> config, boolean wipeData) {
        Path dataDir = Path.of(config.apply("pipeline.data-dir"));
        boolean postgres = config.apply("postgres.host").isBlank();
        boolean kafka = config.apply("kafka.bootstrap-servers").isBlank();
        boolean s3 = config.apply("s3.endpoint").isBlank();
        if (!postgres && !kafka && !s3) {
            return;
        }
        lock = DataDirectoryLock.acquire(dataDir);
        if (wipeData) {
            wipe(dataDir);
        }
        DevCredentials dev = DevCredentials.in(dataDir);
        if (postgres) {
            int port = intValue(config, "postgres.port");
            long started = System.nanoTime();
            if (config.apply("postgres.user").isBlank()) {
                throw new StartupException("POSTGRES_USER (postgres.user) is empty: set the user the embedded PostgreSQL creates, e.g. postgres.");
            }
            String password = dev.resolve("postgres.password", config.apply("postgres.password"), () -> DevCredentials.randomHex(12));
            String conf = config.apply("postgres.embedded.config-file");
            run(() -> EmbeddedPostgresServer.start(dataDir, port, config.apply("postgres.user"), password,
                    postgresqlConf(conf)));
            endpoints.put("postgres.host", "127.0.0.1");
            endpoints.put("postgres.port", String.valueOf(port));
            endpoints.put("postgres.password", password);
            endpoints.put("postgres.password-source", config.apply("postgres.password").isBlank()
                    ? dev.whereIs("postgres.password") : "from POSTGRES_PASSWORD");
            LOG.info("Embedded PostgreSQL listening on 127.0.0.1:{} ({} ms)", port, millisSince(started));
        }
        if (kafka) {
            int port = intValue(config, "kafka.embedded.port");
            long started = System.nanoTime();
            int controllerPort = intValue(config, "kafka.embedded.controller-port");
            run(() -> EmbeddedKafkaBroker.start(dataDir, port, controllerPort));
            endpoints.put("kafka.bootstrap-servers", "127.0.0.1:" + port);
            LOG.info("Embedded Kafka broker listening on 127.0.0.1:{} ({} ms)", port, millisSince(started));
        }
        if (s3) {
            int port = intValue(config, "s3.embedded.port");
            long started = System.nanoTime();
            String accessKey = dev.resolve("s3.access-key", config.apply("s3.access-key"), () -> "dev" + DevCredentials.randomHex(8));
            String secretKey = dev.resolve("s3.secret-key", config.apply("s3.secret-key"), () -> DevCredentials.randomHex(20));
            run(() -> EmbeddedS3Server.start(dataDir, port, config.apply("s3.bucket"), accessKey, secretKey));
            endpoints.put("s3.endpoint", "http://127.0.0.1:" + port);
            endpoints.put("s3.access-key", accessKey);
            endpoints.put("s3.secret-key", secretKey);
            endpoints.put("s3.secret-key-source", config.apply("s3.secret-key").isBlank()
                    ? dev.whereIs("s3.secret-key") : "from S3_SECRET_KEY");
            LOG.info("Embedded S3 server listening on 127.0.0.1:{} ({} ms)", port, millisSince(started));
        }
    }

    /**
     * The endpoints a running pipeline's embedded services have, for a client (the doctor) that starts none: the
     * loopback ports of the configuration and the development credentials kept in the data directory. Only the
     * endpoints the configuration leaves empty are given.
     */
    public static Map<String, String> clientEndpoints(Function<String, String> config) {
        Map<String, String> endpoints = new LinkedHashMap<>();
        DevCredentials dev = DevCredentials.in(Path.of(config.apply("pipeline.data-dir")));
        if (config.apply("postgres.host").isBlank()) {
            endpoints.put("postgres.host", "127.0.0.1");
            endpoints.put("postgres.password", dev.kept("postgres.password", config.apply("postgres.password")));
        }
        if (config.apply("kafka.bootstrap-servers").isBlank()) {
            endpoints.put("kafka.bootstrap-servers", "127.0.0.1:" + config.apply("kafka.embedded.port").trim());
        }
        if (config.apply("s3.endpoint").isBlank()) {
            endpoints.put("s3.endpoint", "http://127.0.0.1:" + config.apply("s3.embedded.port").trim());
            endpoints.put("s3.access-key", dev.kept("s3.access-key", config.apply("s3.access-key")));
            endpoints.put("s3.secret-key", dev.kept("s3.secret-key", config.apply("s3.secret-key")));
        }
        return endpoints;
    }

    /** Endpoint properties for the services started here, to override the empty configured ones. */
    public Map<String, String> endpoints() {
        return Map.copyOf(endpoints);
    }

    public boolean isEmbedded(String endpointKey) {
        return endpoints.containsKey(endpointKey);
    }

    /** Settings of postgresql.conf (the file a deployed server uses) as key/value pairs, comments removed. */
    static Map<String, String> postgresqlConf(String location) {
        Map<String, String> settings = new LinkedHashMap<>();
        try (InputStream in = openConfig(location)) {
            if (in == null) {
                return settings;
            }
            for (String line : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\\R")) {
                String setting = line.replaceFirst("#.*$", "").trim();
                int eq = setting.indexOf('=');
                if (eq > 0) {
                    String value = setting.substring(eq + 1).trim();
                    if (value.length() >= 2 && value.startsWith("'") && value.endsWith("'")) {
                        value = value.substring(1, value.length() - 1);
                    }
                    settings.put(setting.substring(0, eq).trim(), value);
                }
            }
            return settings;
        } catch (IOException e) {
            throw new StartupException("Cannot read " + location + ": " + e.getMessage(), e);
        }
    }

    private static InputStream openConfig(String location) throws IOException {
        Path file = Path.of(location);
        if (Files.isRegularFile(file)) {
            return Files.newInputStream(file);
        }
        return EmbeddedServices.class.getClassLoader().getResourceAsStream(file.getFileName().toString());
    }

    private static void wipe(Path dataDir) {
        LOG.warn("--wipe-data: deleting the embedded services' data in {}", dataDir.toAbsolutePath());
        try (Stream<Path> children = Files.list(dataDir)) {
            for (Path child : children.filter(p -> !p.getFileName().toString().equals("pipeline.lock")).toList()) {
                EmbeddedPostgresServer.stopOrphanedServer(child);
                try (Stream<Path> tree = Files.walk(child)) {
                    for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
        } catch (IOException e) {
            throw new StartupException("Cannot wipe " + dataDir.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    private static int intValue(Function<String, String> config, String key) {
        String value = config.apply(key).trim();
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new StartupException("Setting " + key + " must be a port number, not '" + value + "'.");
        }
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    @Override
    public synchronized void close() {
        closed = true;
        while (!running.isEmpty()) {
            AutoCloseable service = running.pop();
            try {
                service.close();
            } catch (Exception e) {
                LOG.warn("Stopping {} failed: {}", service.getClass().getSimpleName(), e.getMessage());
            }
        }
        if (lock != null) {
            try {
                lock.close();
            } catch (IOException e) {
                LOG.debug("Releasing data directory lock failed", e);
            }
            lock = null;
        }
    }
}
