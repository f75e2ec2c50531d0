package org.cdcpipeline.csv;

import org.cdcpipeline.StartupException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AllowedTablesTest {

    @Test
    void shouldAllowNoExistingTableByDefault() {
        AllowedTables none = AllowedTables.parse("");
        assertThat(none.allows(new SqlIdentifier("users"))).isFalse();
        assertThat(none.allows(new SqlIdentifier("klienci"))).isFalse();
    }

    @Test
    void shouldAllowExactlyTheListedTables() {
        AllowedTables listed = AllowedTables.parse(" users, orders ,,");
        assertThat(listed.allows(new SqlIdentifier("users"))).isTrue();
        assertThat(listed.allows(new SqlIdentifier("orders"))).isTrue();
        assertThat(listed.allows(new SqlIdentifier("user"))).isFalse();
        assertThat(listed.allows(new SqlIdentifier("users_old"))).isFalse();
    }

    @Test
    void shouldAllowEveryTableForAStar() {
        AllowedTables all = AllowedTables.parse("*");
        assertThat(all.allows(new SqlIdentifier("users"))).isTrue();
        assertThat(all.allows(new SqlIdentifier("anything_else"))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"public.users", "Users", "users;drop", "user s", "users*"})
    void shouldRefuseToStartWithSomethingThatIsNotATableNameNamingTheSetting(String entry) {
        assertThatThrownBy(() -> AllowedTables.parse("klienci," + entry))
                .isInstanceOf(StartupException.class)
                .hasMessageContaining("csv.allowed-tables")
                .hasMessageContaining("CSV_ALLOWED_TABLES")
                .hasMessageContaining("'" + entry.trim() + "'");
    }
}
