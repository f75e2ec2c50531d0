package org.cdcpipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SqlIdentifiersTest {

    @Test
    void shouldQuoteAPlainName() {
        assertThat(SqlIdentifiers.quote("pipeline_state")).isEqualTo("\"pipeline_state\"");
    }

    @Test
    void shouldKeepCaseAndDoubleAQuoteInsideSoTheNameCannotEndTheIdentifier() {
        assertThat(SqlIdentifiers.quote("My\"Pub; DROP TABLE x")).isEqualTo("\"My\"\"Pub; DROP TABLE x\"");
    }

    @Test
    void shouldRefuseANulCharacterNamingTheName() {
        assertThatThrownBy(() -> SqlIdentifiers.quote("bad\0name"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot be used as an SQL name");
    }
}
