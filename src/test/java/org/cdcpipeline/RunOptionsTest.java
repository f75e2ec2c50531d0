package org.cdcpipeline;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RunOptionsTest {

    @Test
    void shouldParseTheOptions() {
        assertThat(RunOptions.parse()).isEqualTo(new RunOptions(false, false, false));
        assertThat(RunOptions.parse("--once", "--wipe-data")).isEqualTo(new RunOptions(true, true, false));
        assertThat(RunOptions.parse("--dev")).isEqualTo(new RunOptions(false, false, false, true, false, "all"));
    }

    @Test
    void shouldParseTheDoctorCommandAndItsComponent() {
        assertThat(RunOptions.parse("doctor")).isEqualTo(new RunOptions(false, false, false, false, true, "all"));
        assertThat(RunOptions.parse("doctor", "--component", "kafka")).isEqualTo(new RunOptions(false, false, false, false, true, "kafka"));
        assertThat(RunOptions.parse("doctor", "--component=s3").component()).isEqualTo("s3");
    }

    @Test
    void shouldRefuseAnUnknownOption() {
        assertThatThrownBy(() -> RunOptions.parse("--onse")).hasMessageContaining("--onse");
    }

    @Test
    void shouldRefuseAComponentItDoesNotCheckOrOutsideTheDoctor() {
        assertThatThrownBy(() -> RunOptions.parse("doctor", "--component", "spark")).hasMessageContaining("spark")
                .hasMessageContaining("postgres");
        assertThatThrownBy(() -> RunOptions.parse("doctor", "--component")).hasMessageContaining("needs a value");
        assertThatThrownBy(() -> RunOptions.parse("--component", "kafka")).hasMessageContaining("doctor --component kafka");
        assertThatThrownBy(() -> RunOptions.parse("doctor", "--once")).hasMessageContaining("only --component");
    }
}
