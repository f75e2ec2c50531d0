package org.cdcpipeline.csv;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TypeInferenceTest {

    @Test
    void shouldPickTheNarrowestTypeEverySampleFits() {
        assertThat(TypeInference.infer(List.of("1", "-2", ""))).isEqualTo(ColumnType.BIGINT);
        assertThat(TypeInference.infer(List.of("1", "2.5"))).isEqualTo(ColumnType.NUMERIC);
        assertThat(TypeInference.infer(List.of("true", "FALSE"))).isEqualTo(ColumnType.BOOLEAN);
        assertThat(TypeInference.infer(List.of("2025-01-01"))).isEqualTo(ColumnType.DATE);
        assertThat(TypeInference.infer(List.of("2025-01-01 10:00:00", "2025-01-02T11:00"))).isEqualTo(ColumnType.TIMESTAMP);
        assertThat(TypeInference.infer(List.of("2025-01-01 10:00:00+02:00"))).isEqualTo(ColumnType.TIMESTAMPTZ);
        assertThat(TypeInference.infer(List.of("1", "x"))).isEqualTo(ColumnType.TEXT);
        assertThat(TypeInference.infer(Arrays.asList("", null))).isEqualTo(ColumnType.TEXT);
    }
}
