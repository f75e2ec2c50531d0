package org.cdcpipeline.csv;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ColumnTypeTest {

    @ParameterizedTest
    @CsvSource({
            "SMALLINT, ' 42 ', 42",
            "INTEGER, -7, -7",
            "BIGINT, 9000000000, 9000000000",
            "NUMERIC, 1234.50, 1234.50",
            "BOOLEAN, Yes, true",
            "BOOLEAN, f, false",
            "DATE, 2025-03-14, 2025-03-14",
            "TIMESTAMP, 2025-03-14 10:15:30, 2025-03-14 10:15:30",
            "TIMESTAMPTZ, 2025-03-14T10:15:30+01:00, 2025-03-14T10:15:30+01:00",
            "UUID_TYPE, 123e4567-e89b-12d3-a456-426614174000, 123e4567-e89b-12d3-a456-426614174000",
            "TEXT, ' spacje ', ' spacje '"})
    void shouldNormalizeValidFields(ColumnType type, String field, String expected) {
        assertThat(type.normalize(field)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({
            "SMALLINT, 40000, a smallint",
            "INTEGER, 12a, an integer",
            "NUMERIC, '1 234,50', a number",
            "BOOLEAN, maybe, a boolean",
            "DATE, 14.03.2025, a date (yyyy-MM-dd)",
            "DATE, 2025-02-30, a date",
            "TIMESTAMP, yesterday, a timestamp",
            "UUID_TYPE, 123, a uuid"})
    void shouldRefuseInvalidFieldsNamingTheExpectedType(ColumnType type, String field, String expected) {
        assertThatThrownBy(() -> type.normalize(field)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + field + "' is not " + expected);
    }

    @Test
    void shouldMapPostgresTypeNames() {
        assertThat(ColumnType.fromPostgres("int2")).isEqualTo(ColumnType.SMALLINT);
        assertThat(ColumnType.fromPostgres("varchar")).isEqualTo(ColumnType.TEXT);
        assertThat(ColumnType.fromPostgres("jsonb")).isEqualTo(ColumnType.OTHER);
    }
}
