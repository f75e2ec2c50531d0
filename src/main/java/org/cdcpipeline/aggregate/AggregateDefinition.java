package org.cdcpipeline.aggregate;

import java.util.List;
import java.util.Locale;

/**
 * What one aggregate computes, as the {@code aggregate} route template's parameters give it, checked when the route is
 * made: a definition that cannot work fails the start, naming the parameter.
 */
public final class AggregateDefinition {

    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

    private final String name;
    private final String schema;
    private final String table;
    private final String topic;
    private final String groupBy;
    private final AggregateFunction function;
    private final String valueColumn;
    private final Bucket bucket;
    private final Join join;

    /**
     * Another captured table an aggregate groups by, reached through a column of its own table holding that table's
     * primary key: {@code sum(projekty.budzet)} by {@code klienci.kraj} via {@code projekty.klient_id = klienci.id}.
     *
     * @param on the column of the aggregate's table that holds the joined table's primary key
     */
    public record Join(String table, String topic, String on) {
    }

    /** An aggregate of one table, without a join. */
    public AggregateDefinition(String name, String topicPrefix, String schema, String table, String groupBy,
                               String function, String valueColumn, Object bucket) {
        this(name, topicPrefix, schema, table, groupBy, function, valueColumn, bucket, "", "");
    }

    /**
     * @param topicPrefix the topic prefix of capture: the table's changes are on {@code <topicPrefix>.<schema>.<table>}
     * @param valueColumn empty or null for count, which reads no value
     * @param bucket      empty or null to group by each value, else {@link Bucket#parse}'s parameter (an Object: Camel
     *                    makes a template's number, 10, a number, which a String parameter would not take)
     * @param join        empty or null for none, else the table whose column {@code groupBy} is, joined by its primary key
     * @param joinOn      the column of {@code table} holding the joined table's primary key; empty without a join
     */
    public AggregateDefinition(String name, String topicPrefix, String schema, String table, String groupBy,
                               String function, String valueColumn, Object bucket, String join, String joinOn) {
        this.name = require(name, "name");
        if (!NAME.matcher(this.name).matches()) {
            throw new IllegalArgumentException("Aggregate name '" + this.name + "' names its consumer group, its state and "
                    + "its folder in the bucket: use letters, digits, '_', '.' and '-' only (parameter name)");
        }
        this.schema = require(schema, "schema");
        this.table = require(table, "table");
        this.topic = topicPrefix + "." + this.schema + "." + this.table;
        this.function = AggregateFunction.parse(function);
        if (this.function.needsGroupColumn()) {
            this.groupBy = require(groupBy, "groupBy");
        } else if (groupBy != null && !groupBy.isBlank()) {
            throw new IllegalArgumentException("Aggregate " + name + ": " + function + " reads every column of the table: "
                    + "leave the parameter groupBy out");
        } else {
            this.groupBy = "";
        }
        this.valueColumn = valueColumn == null ? "" : valueColumn.trim();
        if (this.function.needsValueColumn() && this.valueColumn.isEmpty()) {
            throw new IllegalArgumentException("Aggregate " + name + ": " + function + " needs a value column (parameter value)");
        }
        try {
            this.bucket = Bucket.parse(bucket == null ? null : bucket.toString());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Aggregate " + name + ": " + e.getMessage() + " (parameter bucket)", e);
        }
        boolean joined = join != null && !join.isBlank();
        if (joined != (joinOn != null && !joinOn.isBlank())) {
            throw new IllegalArgumentException("Aggregate " + name + ": a join needs both parameters join (the other "
                    + "table) and joinOn (the column of " + table + " holding its primary key)");
        }
        if (joined && !this.function.needsGroupColumn()) {
            throw new IllegalArgumentException("Aggregate " + name + ": " + function + " takes no join");
        }
        this.join = joined ? new Join(join.trim(), topicPrefix + "." + this.schema + "." + join.trim(), joinOn.trim()) : null;
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

    /** Every topic the aggregate reads: its table's, and the joined table's. */
    public List<String> topics() {
        return join == null ? List.of(topic) : List.of(topic, join.topic());
    }

    /** The joined table whose column {@link #groupBy()} is; null without a join. */
    public Join join() {
        return join;
    }

    /** The group column; empty for quality and mirror, which have none. */
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
