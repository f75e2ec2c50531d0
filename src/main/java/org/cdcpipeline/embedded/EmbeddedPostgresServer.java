package org.cdcpipeline.embedded;

import java.io.IOException;
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
import org.cdcpipeline.StartupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server (zonky binaries) with its data under {@code <data-dir>/postgres}, configured from the same
 * postgresql.conf settings a deployed server uses, listening on 127.0.0.1 only.
 */
final class EmbeddedPostgresServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgresServer.class);

    private final EmbeddedPostgres postgres;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /**
     * Starts the server; clients on 127.0.0.1 must then give {@code user}'s password (scram-sha-256), which is set on
     * every start so a changed POSTGRES_PASSWORD takes effect.
     */
    static EmbeddedPostgresServer start(Path dataDir, int port, String user, String password,
            Map<String, String> serverConfig) {
        Path pgData = dataDir.resolve("postgres");
        stopOrphanedServer(pgData);
        discardIncompleteInitdb(pgData);
        PortGuard.requireFree(port, "PostgreSQL", "POSTGRES_PORT");
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setPort(port)
                .setDataDirectory(pgData)
                .setCleanDataDirectory(false)
                .setRegisterShutdownHook(false)
                .setPGStartupWait(Duration.ofSeconds(120))
                .setConnectConfig("password", password);
        serverConfig.forEach(builder::setServerConfig);
        // loopback only, and durable commits: a committed row must survive a crash of the whole machine
        builder.setServerConfig("listen_addresses", "127.0.0.1");
        builder.setServerConfig("synchronous_commit", "on");
        try {
            EmbeddedPostgres postgres = builder.start();
            requirePassword(postgres, pgData, user, password);
            return new EmbeddedPostgresServer(postgres);
        } catch (IOException | SQLException | RuntimeException e) {
            throw new StartupException("Embedded PostgreSQL did not start (" + rootMessage(e) + "): see the log above; "
                    + "to start from scratch run with --wipe-data (deletes " + pgData.toAbsolutePath() + ").", e);
        }
    }

    /** Sets the password and makes TCP clients give it; the Unix socket (owner only) stays trusted. */
    private static void requirePassword(EmbeddedPostgres postgres, Path pgData, String user, String password)
            throws SQLException, IOException {
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            if (!"postgres".equals(user)) {
                st.execute("DO $$ BEGIN CREATE ROLE " + quoteIdent(user) + " LOGIN SUPERUSER; "
                        + "EXCEPTION WHEN duplicate_object THEN NULL; END $$");
            }
            st.execute("SET password_encryption = 'scram-sha-256'");
            st.execute("ALTER ROLE " + quoteIdent(user) + " PASSWORD " + quoteLiteral(password));
            Path hba = pgData.resolve("pg_hba.conf");
            String rules = Files.readString(hba);
            String tightened = rules.replaceAll("(?m)^(host\\s.*\\s)trust\\s*$", "$1scram-sha-256");
            if (!tightened.equals(rules)) {
                Files.writeString(hba, tightened);
                st.execute("SELECT pg_reload_conf()");
            }
        }
    }

    private static String quoteIdent(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    private static String quoteLiteral(String value) {
        return "'" + value.replace("'", "''") + "'";
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

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage();
    }

    @Override
    public void close() throws IOException {
        postgres.close();
    }
}
