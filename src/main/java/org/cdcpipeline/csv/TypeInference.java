package org.cdcpipeline.csv;

import java.util.List;

/**
 * Chooses column types for a CSV file without an explicit schema, from the values of its first batch: the narrowest
 * of bigint, numeric, boolean, date, timestamp, timestamptz, uuid that every non-empty sample fits, else text.
 * Later rows that do not fit are rejected with the reason, like any other malformed value.
 */
final class TypeInference {

    private static final List<ColumnType> CANDIDATES = List.of(ColumnType.BIGINT, ColumnType.NUMERIC, ColumnType.DATE,
            ColumnType.TIMESTAMP, ColumnType.TIMESTAMPTZ, ColumnType.UUID_TYPE);

    private TypeInference() {
    }

    static ColumnType infer(List<String> samples) {
        List<String> present = samples.stream().filter(s -> s != null && !s.isBlank()).toList();
        if (present.isEmpty()) {
            return ColumnType.TEXT;
        }
        if (present.stream().allMatch(s -> s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
            return ColumnType.BOOLEAN;
        }
        for (ColumnType candidate : CANDIDATES) {
            if (present.stream().allMatch(s -> fits(candidate, s))) {
                return candidate;
            }
        }
        return ColumnType.TEXT;
    }

    private static boolean fits(ColumnType type, String value) {
        try {
            type.normalize(value);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
