package org.cdcpipeline.csv;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class IdSetTest {

    @Test
    void shouldRecogniseRepeatedIntegerIdsOfEveryRange() {
        IdSet ids = new IdSet(true);
        for (long i = -50_000; i < 50_000; i++) {
            assertThat(ids.add(Long.toString(i * 7919))).isTrue();
        }
        assertThat(ids.add("0")).isFalse();
        assertThat(ids.add("007919")).as("same integer id written differently").isFalse();
        assertThat(ids.add("-7919")).isFalse();
        for (long edge : new long[] {Integer.MAX_VALUE, 1L << 31, (1L << 32) - 1, 1L << 32, Long.MIN_VALUE, Long.MAX_VALUE}) {
            assertThat(ids.add(Long.toString(edge))).as("first %d", edge).isTrue();
            assertThat(ids.add(Long.toString(edge))).as("again %d", edge).isFalse();
        }
        assertThat(ids.add(Long.toString((1L << 32) + 1))).as("not folded onto 1").isTrue();
        assertThat(ids.add("1")).isTrue();
    }

    @Test
    void shouldKeepTenMillionAscendingIdsInAboutAMegabyte() {
        IdSet ids = new IdSet(true);
        for (int i = 1; i <= 10_000_000; i++) {
            ids.add(Integer.toString(i));
        }
        assertThat(ids.add("10000000")).isFalse();
        assertThat(ids.add("10000001")).isTrue();
        assertThat(ids.bytes()).isLessThan(2_000_000);
    }

    @Test
    void shouldCompareTextIdsAsText() {
        IdSet ids = new IdSet(false);
        assertThat(ids.add("007")).isTrue();
        assertThat(ids.add("7")).isTrue();
        assertThat(ids.add("007")).isFalse();
    }
}
