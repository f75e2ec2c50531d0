package org.cdcpipeline.csv;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class IdSetTest {

    @Test
    void shouldRecogniseRepeatedIntegerIdsAcrossGrowth() {
        IdSet ids = new IdSet(true);
        for (long i = -50_000; i < 50_000; i++) {
            assertThat(ids.add(Long.toString(i * 7919))).isTrue();
        }
        assertThat(ids.add("0")).isFalse();
        assertThat(ids.add("007919")).as("same integer id written differently").isFalse();
        assertThat(ids.add(Long.toString(Long.MIN_VALUE))).isTrue();
        assertThat(ids.add(Long.toString(Long.MIN_VALUE))).isFalse();
    }

    @Test
    void shouldCompareTextIdsAsText() {
        IdSet ids = new IdSet(false);
        assertThat(ids.add("007")).isTrue();
        assertThat(ids.add("7")).isTrue();
        assertThat(ids.add("007")).isFalse();
    }
}
