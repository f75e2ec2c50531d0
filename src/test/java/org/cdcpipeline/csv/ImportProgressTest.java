package org.cdcpipeline.csv;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ImportProgressTest {

    @Test
    void shouldGiveRowsRateAndShareOfTheFileRead() {
        String line = ImportProgress.line("klienci.csv", 2_400_000, TimeUnit.SECONDS.toNanos(8), 42_000, 100_000);
        assertThat(line).isEqualTo("Importing klienci.csv: 2,400,000 rows, 300,000 rows/s, 42% of file");
    }

    @Test
    void shouldLeaveOutTheShareWhenTheFileSizeIsUnknown() {
        assertThat(ImportProgress.line("x.csv", 10, TimeUnit.SECONDS.toNanos(1), 5, 0))
                .isEqualTo("Importing x.csv: 10 rows, 10 rows/s");
    }

    @Test
    void shouldNeverClaimMoreThanTheWholeFile() {
        assertThat(ImportProgress.line("x.csv", 10, 0, 120, 100)).isEqualTo("Importing x.csv: 10 rows, 0 rows/s, 100% of file");
    }
}
