package org.cdcpipeline.embedded;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.cdcpipeline.TestServices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The embedded PostgreSQL trusts no one: every connection, over TCP or the Unix socket, gives the password, and the
 * socket is in a directory no other operating-system user can enter. Clients are real psql processes (Debian's
 * postgresql-client, installed by .ci/run).
 */
class EmbeddedPostgresAccessIT {

    private static final String PASSWORD = "access-it-Secret-7";
    private static final String NOBODY = "65534";

    @TempDir
    Path work;

    private Path dataDir;
    private Map<String, String> config;
    private EmbeddedServices services;

    @BeforeEach
    void setUp() throws IOException {
        // JUnit's folder is private itself: open it, so only what the pipeline creates stands between another user
        // and the socket
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        dataDir = work.resolve("data");
        config = TestServices.privatePostgres(dataDir, PASSWORD);
    }

    @AfterEach
    void stop() {
        if (services != null) {
            services.close();
        }
    }

    @Test
    void shouldRequireThePasswordOverTcpAndTheSocketWithNoTrustedConnection() throws Exception {
        start();

        assertNoTrust();
        Path socketDir = socketDirectory();
        assertThat(socketDir).isEqualTo(dataDir.resolve("postgres/socket").toAbsolutePath());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socketDir))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir))).isEqualTo("rwx------");

        assertThat(psql(false, socketDir.toString(), PASSWORD)).as("the owner, with the password, through the socket")
                .isEqualTo(new Result(0, "postgres"));
        Result noPassword = psql(false, socketDir.toString(), null);
        assertThat(noPassword.exitCode()).as(noPassword.output()).isNotZero();
        assertThat(noPassword.output()).contains("no password supplied");
        Result noPasswordTcp = psql(false, "127.0.0.1", null);
        assertThat(noPasswordTcp.exitCode()).as(noPasswordTcp.output()).isNotZero();
        assertThat(noPasswordTcp.output()).contains("no password supplied");
        Result wrongPassword = psql(false, socketDir.toString(), "guess");
        assertThat(wrongPassword.output()).contains("password authentication failed");
    }

    @Test
    void shouldRefuseAnotherOperatingSystemUserOnTheSocketEvenWithThePassword() throws Exception {
        assertThat(System.getProperty("user.name"))
                .as("running a client as another user needs root: run the integration tests as root (CI does)")
                .isEqualTo("root");
        start();

        // the other user's psql works: over TCP, with the password, it gets in
        assertThat(psql(true, "127.0.0.1", PASSWORD)).isEqualTo(new Result(0, "postgres"));
        Result socket = psql(true, socketDirectory().toString(), PASSWORD);
        assertThat(socket.exitCode()).as(socket.output()).isNotZero();
        assertThat(socket.output()).contains("Permission denied");
    }

    @Test
    void shouldTightenADataDirectoryOfAnEarlierVersionThatTrustedLocalConnections() throws Exception {
        start();
        services.close();
        Path hba = dataDir.resolve("postgres/pg_hba.conf");
        // what initdb -A trust wrote for earlier versions
        Files.writeString(hba, """
                local   all             all                                     trust
                host    all             all             127.0.0.1/32            trust
                host    all             all             ::1/128                 trust
                local   replication     all                                     trust
                host    replication     all             127.0.0.1/32            trust
                host    replication     all             ::1/128                 trust
                """);
        Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwxr-xr-x"));

        start();

        assertNoTrust();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir))).isEqualTo("rwx------");
        Result noPassword = psql(false, socketDirectory().toString(), null);
        assertThat(noPassword.output()).contains("no password supplied");
        assertThat(psql(false, "127.0.0.1", PASSWORD)).isEqualTo(new Result(0, "postgres"));
    }

    private void start() {
        services = EmbeddedServices.start(key -> config.getOrDefault(key, ""), false);
    }

    private void assertNoTrust() throws IOException {
        String rules = Files.readString(dataDir.resolve("postgres/pg_hba.conf"));
        assertThat(rules.toLowerCase()).doesNotContain("trust");
        assertThat(rules.lines().filter(line -> !line.isBlank() && !line.startsWith("#")))
                .isNotEmpty().allSatisfy(line -> assertThat(line).endsWith("scram-sha-256"));
    }

    /** Where the server put its socket (a relative setting is relative to its data directory). */
    private Path socketDirectory() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + config.get("postgres.port")
                + "/postgres", "postgres", PASSWORD);
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW unix_socket_directories")) {
            rs.next();
            return dataDir.resolve("postgres").toAbsolutePath().resolve(rs.getString(1));
        }
    }

    /** psql as this user or as nobody, to {@code host} (a socket directory or 127.0.0.1), never prompting. */
    private Result psql(boolean asNobody, String host, String password) throws Exception {
        List<String> command = new ArrayList<>();
        if (asNobody) {
            command.addAll(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"));
        }
        command.addAll(List.of("psql", "-X", "-w", "-h", host, "-p", config.get("postgres.port"), "-U", "postgres",
                "-d", "postgres", "-tAc", "SELECT current_user"));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).directory(Path.of("/").toFile());
        pb.environment().keySet().removeIf(name -> name.startsWith("PG"));
        pb.environment().put("HOME", "/nonexistent");
        if (password != null) {
            pb.environment().put("PGPASSWORD", password);
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return fail("Cannot run " + command.get(0) + " (" + e.getMessage() + "): install postgresql-client "
                    + "(Debian: apt-get install postgresql-client; .ci/run does) and util-linux's setpriv");
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), output);
    }

    private record Result(int exitCode, String output) {
    }
}
