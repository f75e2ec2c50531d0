package org.cdcpipeline.aggregate;

import java.util.Arrays;
import java.util.Locale;

/**
 * What an aggregate computes over the value column of each group's rows; {@code quality} counts, for every column of
 * the table, the rows where it is NULL and, for text, where it is empty (see {@link QualityFigures}).
 */
public enum AggregateFunction {
    COUNT, SUM, AVG, MIN, MAX, QUALITY;

    public static AggregateFunction parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("Unknown aggregate function '" + name + "': use one of "
                    + Arrays.stream(values()).map(f -> f.name().toLowerCase(Locale.ROOT)).toList());
        }
    }

    /** The SQL aggregate over {@code column}; count (and quality) count rows whatever their value. */
    String sql(String column) {
        return this == COUNT || this == QUALITY ? "count(*)" : name().toLowerCase(Locale.ROOT) + "(" + column + ")";
    }

    public boolean needsValueColumn() {
        return this != COUNT && this != QUALITY;
    }

    /** Quality reads every column: it has no group column of its own. */
    public boolean needsGroupColumn() {
        return this != QUALITY;
    }
}
