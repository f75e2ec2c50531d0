package org.cdcpipeline.doctor;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CheckResultTest {

    @Test
    void shouldPrintOneAlignedLineWithTheFixUnlessOk() {
        assertThat(CheckResult.ok("kafka", "topic dbserver1.public.klienci  end offset 40").line())
                .isEqualTo("OK   kafka      topic dbserver1.public.klienci  end offset 40");
        assertThat(CheckResult.fail("postgres", "wal_level is replica", "set wal_level = logical").line())
                .isEqualTo("FAIL postgres   wal_level is replica  -> fix: set wal_level = logical");
        assertThat(CheckResult.warn("routes", "pipeline not running", "start it").line())
                .startsWith("WARN routes     pipeline not running");
    }

    @Test
    void shouldTellAgesInTheUnitAPersonReads() {
        java.time.Instant now = java.time.Instant.now();
        assertThat(S3Check.age(now.minusSeconds(12))).isEqualTo("12 s");
        assertThat(S3Check.age(now.minusSeconds(600))).isEqualTo("10 min");
        assertThat(S3Check.age(now.minusSeconds(5 * 3600))).isEqualTo("5 h");
        assertThat(S3Check.age(now.minusSeconds(3 * 86400))).isEqualTo("3 days");
    }
}
