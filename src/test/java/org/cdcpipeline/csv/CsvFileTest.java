package org.cdcpipeline.csv;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CsvFileTest {

    @Test
    void shouldNameTheTableAfterTheFileLessCsv() {
        assertThat(CsvFile.named("klienci_2024.csv").table().name()).isEqualTo("klienci_2024");
    }

    @Test
    void shouldRefuseAFileWhoseNameIsNoTableNameSayingHowToRenameIt() {
        assertThatThrownBy(() -> CsvFile.named("Klienci 2024.csv"))
                .isInstanceOf(InvalidCsvFileException.class)
                .hasMessageContaining("'Klienci 2024' is not a valid table name; rename the file to [a-z_][a-z0-9_]*.csv");
    }
}
