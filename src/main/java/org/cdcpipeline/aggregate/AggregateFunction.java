package org.cdcpipeline.aggregate;

import java.util.Arrays;
import java.util.Locale;

/**
 * What an aggregate computes over the value column of each group's rows; {@code quality} counts, for every column of
 * the table, the rows where it is NULL and, for text, where it is empty (see {@link QualityFigures}); {@code mirror}
 * keeps every row as it is now (see {@link MirrorSnapshot}).
 */
public enum AggregateFunction {
    COUNT, SUM, AVG, MIN, MAX, QUALITY, MIRROR;

    public static AggregateFunction parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("Unknown aggregate function '" + name + "': use one of "
                    + Arrays.stream(values()).map(f -> f.name().toLowerCase(Locale.ROOT)).toList());
        }
    }

    /** The SQL aggregate over {@code column}; count, quality and mirror count rows whatever their value. */
    String sql(String column) {
        return this == COUNT || !needsGroupColumn() ? "count(*)" : name().toLowerCase(Locale.ROOT) + "(" + column + ")";
    }

    public boolean needsValueColumn() {
        return this != COUNT && needsGroupColumn();
    }

    /** Quality and mirror read every column: they have no group column of their own. */
    public boolean needsGroupColumn() {
        return this != QUALITY && this != MIRROR;
    }
}
