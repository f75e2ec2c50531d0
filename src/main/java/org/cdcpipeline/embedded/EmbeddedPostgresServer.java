package org.cdcpipeline.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.cdcpipeline.Causes;
import org.cdcpipeline.OwnerOnly;
import org.cdcpipeline.SqlIdentifiers;
import org.cdcpipeline.StartupException;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server (zonky binaries) with its data under {@code <data-dir>/postgres}, configured from the same
 * postgresql.conf settings a deployed server uses, listening on 127.0.0.1 and on a private Unix socket, password
 * required for every connection.
 */
final class EmbeddedPostgresServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
    /** The Unix socket's directory, inside the data directory. */
    static final String SOCKET_DIRECTORY = "socket";
    private static final String INVALID_PASSWORD = "28P01";
    private static final String CLIENT_AUTHENTICATION = """
            # Written by cdc-pipeline at every start; changes here are replaced. Every client gives its password:
            # over TCP (the server listens on 127.0.0.1 only) and through the Unix socket in socket/ of this directory,
            # which only the server's operating-system user can enter.
            # TYPE  DATABASE     USER  ADDRESS       METHOD
            local   all          all                 scram-sha-256
            local   replication  all                 scram-sha-256
            host    all          all   127.0.0.1/32  scram-sha-256
            host    replication  all   127.0.0.1/32  scram-sha-256
            """;

    private final EmbeddedPostgres postgres;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /**
     * Starts the server. Every client gives {@code user}'s password (scram-sha-256), over TCP on 127.0.0.1 or through
     * the Unix socket in {@code <data-dir>/postgres/socket}, which only the server's operating-system user can enter.
     * The password is set when the data directory is created; a data directory keeps it.
     */
    static EmbeddedPostgresServer start(Path dataDir, int port, String user, String password,
            Map<String, String> serverConfig) {
        Path pgData = dataDir.resolve("postgres");
        stopOrphanedServer(pgData);
        discardIncompleteInitdb(pgData);
        PortGuard.requireFree(port, "PostgreSQL", "POSTGRES_PORT");
        Path passwordFile = dataDir.resolve("postgres-initdb.password");
        try {
            System.setProperty("ot.epg.working-dir", workingDirectory().toString());
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setPort(port)
                    .setDataDirectory(pgData)
                    .setCleanDataDirectory(false)
                    .setRegisterShutdownHook(false)
                    .setPGStartupWait(Duration.ofSeconds(120))
                    .setConnectConfig("password", password)
                    // after initdb, before every start of the server
                    .setDataDirectoryCustomizer(dir -> restrictAccess(dir.toPath()));
            serverConfig.forEach(builder::setServerConfig);
            // loopback only, and durable commits: a committed row must survive a crash of the whole machine
            builder.setServerConfig("listen_addresses", "127.0.0.1");
            builder.setServerConfig("synchronous_commit", "on");
            // relative to the data directory (the server's working directory), so the socket path stays short
            // (at most 107 bytes) wherever the data directory is
            builder.setServerConfig("unix_socket_directories", SOCKET_DIRECTORY);
            // zonky's own test for running initdb
            if (!Files.exists(pgData.resolve("postgresql.conf"))) {
                OwnerOnly.write(passwordFile, password + "\n");
                // zonky runs initdb with "-A trust"; its locale options come after that, and initdb takes the last
                // -A: the superuser gets the password from its first moment, and no line of pg_hba.conf says trust
                builder.setLocaleConfig("auth", "scram-sha-256");
                builder.setLocaleConfig("pwfile", passwordFile.toAbsolutePath().toString());
            }
            EmbeddedPostgres postgres = builder.start();
            createUser(postgres, user, password);
            return new EmbeddedPostgresServer(postgres);
        } catch (StartupException e) {
            throw e;
        } catch (IOException | SQLException | RuntimeException e) {
            if (wrongPassword(e)) {
                throw new StartupException("Embedded PostgreSQL in " + pgData.toAbsolutePath() + " refused the "
                        + "password: it keeps the password it was created with. Set POSTGRES_PASSWORD to that one "
                        + "(empty: the development password in " + dataDir.resolve("dev-credentials.properties")
                        + "), or start from scratch with --wipe-data (deletes " + pgData.toAbsolutePath() + ").", e);
            }
            throw new StartupException("Embedded PostgreSQL did not start (" + Causes.root(e).getMessage() + "): see the log above; "
                    + "to start from scratch run with --wipe-data (deletes " + pgData.toAbsolutePath() + ").", e);
        } finally {
            deleteQuietly(passwordFile);
        }
    }

    /**
     * Replaces pg_hba.conf (so a data directory of an earlier version, whose initdb trusted local connections, is
     * tightened too) and makes the socket directory private. The data directory itself is 0700: PostgreSQL refuses
     * to start otherwise.
     */
    private static void restrictAccess(Path pgData) {
        try {
            Files.writeString(pgData.resolve("pg_hba.conf"), CLIENT_AUTHENTICATION);
            OwnerOnly.directory(pgData.resolve(SOCKET_DIRECTORY));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the access rules in " + pgData + ": " + e.getMessage(), e);
        }
    }

    /**
     * zonky unpacks the PostgreSQL binaries into, and stops and deletes what looks like stale servers in, a folder it
     * makes writable by everyone (/tmp/embedded-pg by default), where another user could replace the binaries: ours
     * is inside a folder only its owner can enter.
     */
    private static Path workingDirectory() {
        Path cache = Path.of(System.getProperty("user.home"), ".cache", "cdc-pipeline");
        try {
            return OwnerOnly.directory(cache).resolve("embedded-postgres");
        } catch (IOException e) {
            throw new StartupException("Cannot create " + cache.toAbsolutePath() + " for the PostgreSQL binaries ("
                    + e + "): make the home directory writable, or set POSTGRES_HOST to use an existing PostgreSQL.", e);
        }
    }

    /** The configured user, when it is not zonky's superuser postgres: a superuser with the same password. */
    private static void createUser(EmbeddedPostgres postgres, String user, String password) throws SQLException {
        if ("postgres".equals(user)) {
            return;
        }
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute("DO $$ BEGIN CREATE ROLE " + SqlIdentifiers.quote(user) + " LOGIN SUPERUSER; "
                    + "EXCEPTION WHEN duplicate_object THEN NULL; END $$");
            // hashed here, so the password itself never reaches the server (nor its log)
            c.unwrap(PGConnection.class).alterUserPassword(user, password.toCharArray(), "scram-sha-256");
        }
    }

    private static boolean wrongPassword(Throwable e) {
        return Causes.first(e, t -> t instanceof SQLException sql && INVALID_PASSWORD.equals(sql.getSQLState()))
                .isPresent();
    }

    /**
     * A killed pipeline leaves its PostgreSQL running (pg_ctl detaches it). The caller holds the data directory lock,
     * so a postmaster still running on this data directory belongs to a dead run: shut it down cleanly (fast mode, so
     * committed data is kept) before starting our own.
     */
    static void stopOrphanedServer(Path pgData) {
        Path pidFile = pgData.resolve("postmaster.pid");
        Optional<ProcessHandle> postmaster = readPid(pidFile).flatMap(ProcessHandle::of).filter(ProcessHandle::isAlive);
        if (postmaster.isEmpty()) {
            return;
        }
        ProcessHandle process = postmaster.get();
        String command = process.info().commandLine().orElse(process.info().command().orElse(""));
        if (!command.contains("postgres")) {
            // the pid was reused by an unrelated process: the pid file is stale and PostgreSQL would refuse to start
            LOG.info("Removing stale {} (pid {} is not PostgreSQL)", pidFile, process.pid());
            deleteQuietly(pidFile);
            return;
        }
        LOG.warn("Found PostgreSQL (pid {}) left running by a previous run on {}; shutting it down", process.pid(), pgData);
        signal(process.pid(), "INT"); // fast shutdown: disconnect clients, write a checkpoint
        if (!waitForExit(process, Duration.ofSeconds(60))) {
            LOG.warn("PostgreSQL pid {} ignored the shutdown request; killing it (its WAL is replayed on start)", process.pid());
            process.destroyForcibly();
            waitForExit(process, Duration.ofSeconds(10));
        }
    }

    /** initdb killed half way leaves a data directory without postgresql.conf, which no start could use. */
    private static void discardIncompleteInitdb(Path pgData) {
        if (Files.isDirectory(pgData) && !Files.exists(pgData.resolve("postgresql.conf"))
                && !Files.exists(pgData.resolve("PG_VERSION"))) {
            try (Stream<Path> paths = Files.walk(pgData)) {
                paths.sorted(Comparator.reverseOrder()).forEach(EmbeddedPostgresServer::deleteQuietly);
            } catch (IOException e) {
                throw new StartupException("Cannot clear incomplete PostgreSQL data directory " + pgData + ": " + e.getMessage(), e);
            }
        }
    }

    private static Optional<Long> readPid(Path pidFile) {
        try {
            List<String> lines = Files.readAllLines(pidFile);
            return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static void signal(long pid, String signal) {
        try {
            new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start().waitFor();
        } catch (IOException e) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean waitForExit(ProcessHandle process, Duration timeout) {
        try {
            process.onExit().get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            return true;
        } catch (Exception e) {
            return !process.isAlive();
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.warn("Could not delete {}: {}", path, e.getMessage());
        }
    }

    @Override
    public void close() throws IOException {
        postgres.close();
    }
}
