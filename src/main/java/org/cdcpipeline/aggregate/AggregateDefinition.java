package org.cdcpipeline.aggregate;

import java.util.Locale;

/**
 * What one aggregate computes, as the {@code aggregate} route template's parameters give it, checked when the route is
 * made: a definition that cannot work fails the start, naming the parameter.
 */
public final class AggregateDefinition {

    private final String name;
    private final String schema;
    private final String table;
    private final String topic;
    private final String groupBy;
    private final AggregateFunction function;
    private final String valueColumn;
    private final Bucket bucket;

    /**
     * @param topicPrefix the topic prefix of capture: the table's changes are on {@code <topicPrefix>.<schema>.<table>}
     * @param valueColumn empty or null for count, which reads no value
     * @param bucket      empty or null to group by each value, else {@link Bucket#parse}'s parameter (an Object: Camel
     *                    makes a template's number, 10, a number, which a String parameter would not take)
     */
    public AggregateDefinition(String name, String topicPrefix, String schema, String table, String groupBy,
                               String function, String valueColumn, Object bucket) {
        this.name = require(name, "name");
        this.schema = require(schema, "schema");
        this.table = require(table, "table");
        this.topic = topicPrefix + "." + this.schema + "." + this.table;
        this.groupBy = require(groupBy, "groupBy");
        this.function = AggregateFunction.parse(function);
        this.valueColumn = valueColumn == null ? "" : valueColumn.trim();
        if (this.function.needsValueColumn() && this.valueColumn.isEmpty()) {
            throw new IllegalArgumentException("Aggregate " + name + ": " + function + " needs a value column (parameter value)");
        }
        try {
            this.bucket = Bucket.parse(bucket == null ? null : bucket.toString());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Aggregate " + name + ": " + e.getMessage() + " (parameter bucket)", e);
        }
    }

    private static String require(String value, String parameter) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("Aggregate parameter " + parameter + " is missing");
        }
        return value.trim();
    }

    public String name() {
        return name;
    }

    /** The schema of the source table. */
    public String schema() {
        return schema;
    }

    /** The source table. */
    public String table() {
        return table;
    }

    /** The captured table's topic the aggregate reads. */
    public String topic() {
        return topic;
    }

    public String groupBy() {
        return groupBy;
    }

    public AggregateFunction function() {
        return function;
    }

    /** The column sum, avg, min and max read; empty for count. */
    public String valueColumn() {
        return valueColumn;
    }

    public Bucket bucket() {
        return bucket;
    }

    /** The snapshot's value column: {@code count}, else the function and the column ({@code avg_wiek}, {@code sum_budzet}). */
    public String valueName() {
        String f = function.name().toLowerCase(Locale.ROOT);
        return function.needsValueColumn() ? f + "_" + valueColumn : f;
    }
}
