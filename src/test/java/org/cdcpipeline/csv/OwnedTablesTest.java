package org.cdcpipeline.csv;

import org.cdcpipeline.StartupException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OwnedTablesTest {

    @ParameterizedTest
    @ValueSource(strings = {"pipeline_state.csv_tables", "s.t"})
    void shouldQuoteTheRegistryTable(String setting) {
        String[] parts = setting.split("\\.");
        assertThat(new OwnedTables(setting, "public", "cdc_pipeline").qualifiedName())
                .isEqualTo("\"" + parts[0] + "\".\"" + parts[1] + "\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "csv_tables", "pipeline_state.", ".csv_tables", "a.b.c", "Pipeline.t", "s.\"t\""})
    void shouldRefuseToStartWithARegistryTableThatIsNotSchemaDotTable(String setting) {
        assertThatThrownBy(() -> new OwnedTables(setting, "public", "cdc_pipeline"))
                .isInstanceOf(StartupException.class)
                .hasMessageContaining("csv.registry-table")
                .hasMessageContaining("schema.table");
    }
}
