package org.cdcpipeline.aggregate;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BucketTest {

    @Test
    void shouldNameANumbersBucketByItsFirstValue() {
        Bucket tens = Bucket.parse("10");
        assertThat(tens.of("20")).isEqualTo("20");
        assertThat(tens.of("29")).isEqualTo("20");
        assertThat(tens.of("30")).isEqualTo("30");
        assertThat(tens.of("-1")).as("floor, not toward zero").isEqualTo("-10");
        assertThat(Bucket.parse("1000").of("1234.56")).isEqualTo("1000");
        assertThat(Bucket.parse("0.5").of("1.74")).isEqualTo("1.5");
    }

    @Test
    void shouldNameADatesBucketByItsFirstDay() {
        assertThat(Bucket.parse("month").of("2024-03-17")).isEqualTo("2024-03-01");
        assertThat(Bucket.parse("Year").of("2024-03-17")).isEqualTo("2024-01-01");
        assertThat(Bucket.parse("quarter").of("2024-08-17")).isEqualTo("2024-07-01");
        assertThat(Bucket.parse("week").of("2024-03-17")).as("a Sunday: its week began on Monday").isEqualTo("2024-03-11");
        assertThat(Bucket.parse("day").of("2024-03-17T10:15:30")).isEqualTo("2024-03-17T00:00");
        assertThat(Bucket.parse("month").of("2024-03-17T10:15:30.123456Z")).isEqualTo("2024-03-01T00:00Z");
    }

    @Test
    void shouldLeaveValuesAloneWithoutABucket() {
        assertThat(Bucket.parse("").of("Polska")).isEqualTo("Polska");
        assertThat(Bucket.parse(null).of("29")).isEqualTo("29");
    }

    @Test
    void shouldSayWhatABucketNeeds() {
        assertThatThrownBy(() -> Bucket.parse("fortnight")).hasMessageContaining("fortnight")
                .hasMessageContaining("month");
        assertThatThrownBy(() -> Bucket.parse("-5")).hasMessageContaining("positive number");
        assertThatThrownBy(() -> Bucket.parse("10").of("Polska")).hasMessageContaining("numeric column");
        assertThatThrownBy(() -> Bucket.parse("month").of("Polska")).hasMessageContaining("date or timestamp column");
        assertThatThrownBy(() -> new AggregateDefinition("a", "dbserver1", "public", "projekty", "status", "count", "",
                "fortnight")).hasMessageContaining("parameter bucket");
    }
}
