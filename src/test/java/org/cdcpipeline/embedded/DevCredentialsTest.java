package org.cdcpipeline.embedded;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** Development credentials are generated once, kept for the next start, and readable by their owner only. */
class DevCredentialsTest {

    @TempDir
    Path work;

    @Test
    void shouldKeepGeneratedCredentialsOwnerReadableOnlyInADirectoryOnlyTheOwnerCanEnter() throws Exception {
        Path dataDir = work.resolve("data");

        String password = DevCredentials.in(dataDir).resolve("postgres.password", "", () -> "generated-1");

        Path file = dataDir.resolve("dev-credentials.properties");
        assertThat(password).isEqualTo("generated-1");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(file).content().contains("postgres.password=generated-1");
        assertThat(dataDir.resolve("dev-credentials.properties.tmp")).doesNotExist();
        // the next start keeps them
        assertThat(DevCredentials.in(dataDir).resolve("postgres.password", "", () -> "generated-2")).isEqualTo("generated-1");
    }

    @Test
    void shouldReplaceAFileWithWiderRightsAndNotReuseATemporaryFileLeftByACrash() throws Exception {
        Path dataDir = Files.createDirectories(work.resolve("data"));
        Path file = Files.writeString(dataDir.resolve("dev-credentials.properties"), "s3.access-key=dev-old\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        Path leftover = Files.writeString(dataDir.resolve("dev-credentials.properties.tmp"), "half written");
        Files.setPosixFilePermissions(leftover, PosixFilePermissions.fromString("rw-rw-rw-"));

        DevCredentials.in(dataDir).resolve("s3.secret-key", "", () -> "new-secret");

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(file).content().contains("s3.access-key=dev-old").contains("s3.secret-key=new-secret")
                .doesNotContain("half written");
        assertThat(leftover).doesNotExist();
    }

    @Test
    void shouldNotWriteAnythingForConfiguredCredentials() {
        Path dataDir = work.resolve("data");

        assertThat(DevCredentials.in(dataDir).resolve("postgres.password", "configured", () -> "generated"))
                .isEqualTo("configured");
        assertThat(dataDir.resolve("dev-credentials.properties")).doesNotExist();
    }

    @Test
    void shouldRestrictAnExistingDataDirectoryThatOthersCouldEnter() throws Exception {
        Path dataDir = Files.createDirectories(work.resolve("data"));
        Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwxr-xr-x"));

        DevCredentials.in(dataDir).resolve("postgres.password", "", () -> "generated");

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir))).isEqualTo("rwx------");
    }
}
