package org.cdcpipeline.aggregate;

/**
 * What one aggregate computes, as the {@code aggregate} route template's parameters give it, checked when the route is
 * made: a definition that cannot work fails the start, naming the parameter.
 */
public final class AggregateDefinition {

    private final String name;
    private final String topic;
    private final String groupBy;
    private final AggregateFunction function;
    private final String valueColumn;

    /** @param valueColumn empty for count, which reads no value */
    public AggregateDefinition(String name, String topic, String groupBy, String function, String valueColumn) {
        this.name = require(name, "name");
        this.topic = topic;
        this.groupBy = require(groupBy, "groupBy");
        this.function = AggregateFunction.parse(function);
        this.valueColumn = valueColumn == null ? "" : valueColumn.trim();
        if (this.function.needsValueColumn() && this.valueColumn.isEmpty()) {
            throw new IllegalArgumentException("Aggregate " + name + ": " + function + " needs a value column (parameter value)");
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
}
