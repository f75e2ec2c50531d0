package org.cdcpipeline;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** --once ends by itself, with an exit code a script can act on. */
class OnceRunIT {

    @TempDir
    Path csvDir;

    @Test
    void shouldExitZeroOnceEveryFileIsImported() throws Exception {
        Files.copy(Samples.path("projekty.csv"), csvDir.resolve("projekty.csv"));
        int exit = TestPipeline.runOnce(Map.of("csv.dir", csvDir.toString(), "csv.schema", "once_ok"));
        assertThat(exit).isZero();
        assertThat(csvDir.resolve("projekty.csv")).doesNotExist();
    }

    @Test
    void shouldExitTwoWhenAFileWasRefused() throws Exception {
        Files.writeString(csvDir.resolve("bez_naglowka.csv"), "1,Firma X\n");
        int exit = TestPipeline.runOnce(Map.of("csv.dir", csvDir.toString(), "csv.schema", "once_refused"));
        assertThat(exit).isEqualTo(2);
        assertThat(csvDir.resolve(".error")).isNotEmptyDirectory();
    }
}
