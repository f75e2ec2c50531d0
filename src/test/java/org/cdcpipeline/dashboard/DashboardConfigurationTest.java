package org.cdcpipeline.dashboard;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import org.cdcpipeline.StartupException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DashboardConfigurationTest {

    @TempDir
    Path dir;

    private static void check(Map<String, String> config) throws Exception {
        DashboardConfiguration.checkAccess(key -> config.getOrDefault(key, ""));
    }

    @Test
    void shouldServeLoopbackWithoutUsers() {
        assertThatCode(() -> check(Map.of("dashboard.host", "127.0.0.1"))).doesNotThrowAnyException();
    }

    @Test
    void shouldRefuseAnotherAddressWithoutUsersAndSayHowToFixIt() {
        assertThatThrownBy(() -> check(Map.of("dashboard.host", "0.0.0.0"))).isInstanceOf(StartupException.class)
                .hasMessageContaining("DASHBOARD_AUTHENTICATION=true").hasMessageContaining("DASHBOARD_HOST=127.0.0.1");
    }

    @Test
    void shouldRefuseAUsersFileThatIsMissingOrOthersCanRead() throws Exception {
        assertThatThrownBy(() -> check(Map.of("dashboard.host", "0.0.0.0", "dashboard.authentication", "true",
                "dashboard.users-file", dir.resolve("none").toString()))).hasMessageContaining("is no file");
        Path users = Files.writeString(dir.resolve("users.properties"), "user.ana=secret,viewer\n");
        Files.setPosixFilePermissions(users, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> check(Map.of("dashboard.host", "0.0.0.0", "dashboard.authentication", "true",
                "dashboard.users-file", users.toString()))).hasMessageContaining("chmod 600");
        Files.setPosixFilePermissions(users, PosixFilePermissions.fromString("rw-------"));
        assertThatCode(() -> check(Map.of("dashboard.host", "0.0.0.0", "dashboard.authentication", "true",
                "dashboard.users-file", users.toString()))).doesNotThrowAnyException();
    }
}
