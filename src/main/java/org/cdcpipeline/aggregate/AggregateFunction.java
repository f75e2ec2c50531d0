package org.cdcpipeline.aggregate;

import java.util.Arrays;
import java.util.Locale;

/** What an aggregate computes over the value column of each group's rows. */
public enum AggregateFunction {
    COUNT, SUM, AVG, MIN, MAX;

    public static AggregateFunction parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("Unknown aggregate function '" + name + "': use one of "
                    + Arrays.stream(values()).map(f -> f.name().toLowerCase(Locale.ROOT)).toList());
        }
    }

    /** The SQL aggregate over {@code column}; count counts rows whatever their value. */
    String sql(String column) {
        return this == COUNT ? "count(*)" : name().toLowerCase(Locale.ROOT) + "(" + column + ")";
    }

    public boolean needsValueColumn() {
        return this != COUNT;
    }
}
