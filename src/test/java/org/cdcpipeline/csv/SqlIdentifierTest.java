package org.cdcpipeline.csv;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SqlIdentifierTest {

    @ParameterizedTest
    @ValueSource(strings = {"klienci", "_tmp", "tabela_2024", "a"})
    void shouldAcceptLowerCaseNamesAndQuoteThem(String name) {
        assertThat(new SqlIdentifier(name).quoted()).isEqualTo("\"" + name + "\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Klienci", "2024_klienci", "klienci-2024", "kli enci", "klienci\";drop table x;--",
            "klienci.rejects", "zażółć", "a234567890123456789012345678901234567890123456789012345678901234"})
    void shouldRefuseAnythingElse(String name) {
        assertThat(SqlIdentifier.isValid(name)).isFalse();
        assertThatThrownBy(() -> new SqlIdentifier(name)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[a-z_][a-z0-9_]*");
    }
}
