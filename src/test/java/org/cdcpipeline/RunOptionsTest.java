package org.cdcpipeline;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RunOptionsTest {

    @Test
    void shouldParseTheOptions() {
        assertThat(RunOptions.parse()).isEqualTo(new RunOptions(false, false, false));
        assertThat(RunOptions.parse("--once", "--wipe-data")).isEqualTo(new RunOptions(true, true, false));
        assertThat(RunOptions.parse("--dev")).isEqualTo(new RunOptions(false, false, false, true));
    }

    @Test
    void shouldRefuseAnUnknownOption() {
        assertThatThrownBy(() -> RunOptions.parse("--onse")).hasMessageContaining("--onse");
    }
}
