package org.cdcpipeline.aggregate;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

/**
 * The type of one column of an aggregate snapshot, from the SQL type of the source column it comes from (PostgreSQL's
 * {@code information_schema.columns}): what Parquet type it is written as, and how a group's text (as
 * {@link RowChanges} keeps it) or a value reads as that type. Typed like the raw archive: integers as int or long,
 * numeric(p, s) as decimal(p, s), date as date, timestamp as local-timestamp-micros, timestamptz as timestamp-micros;
 * a type with no better match (text, varchar, an enum, numeric without a declared scale...) as text.
 */
public record ColumnType(Kind kind, int precision, int scale) {

    public enum Kind { TEXT, INT, LONG, DECIMAL, FLOAT, DOUBLE, BOOLEAN, DATE, TIMESTAMP, TIMESTAMPTZ }

    /** Parquet's widest decimal that still has a fixed size; a sum of numeric(p, s) is written with it. */
    private static final int WIDEST_DECIMAL = 38;

    public static final ColumnType TEXT = new ColumnType(Kind.TEXT, 0, 0);
    public static final ColumnType LONG = new ColumnType(Kind.LONG, 0, 0);
    public static final ColumnType DOUBLE = new ColumnType(Kind.DOUBLE, 0, 0);

    /**
     * The type of a PostgreSQL column.
     *
     * @param udtName   {@code information_schema.columns.udt_name} (int4, numeric, varchar, date...)
     * @param precision numeric precision, null when not declared
     * @param scale     numeric scale, null when not declared
     */
    public static ColumnType ofSql(String udtName, Integer precision, Integer scale) {
        return switch (udtName) {
            case "int2", "int4" -> new ColumnType(Kind.INT, 0, 0);
            case "int8" -> LONG;
            case "numeric" -> precision == null || scale == null ? TEXT : new ColumnType(Kind.DECIMAL, precision, scale);
            case "float4" -> new ColumnType(Kind.FLOAT, 0, 0);
            case "float8" -> DOUBLE;
            case "bool" -> new ColumnType(Kind.BOOLEAN, 0, 0);
            case "date" -> new ColumnType(Kind.DATE, 0, 0);
            case "timestamp" -> new ColumnType(Kind.TIMESTAMP, 0, 0);
            case "timestamptz" -> new ColumnType(Kind.TIMESTAMPTZ, 0, 0);
            default -> TEXT;
        };
    }

    /**
     * The type of an aggregate's value over a source column of this type: count is a count, avg a double, sum of
     * integers a long, sum of numeric(p, s) a decimal of the same scale and the widest precision, sum of bigint a
     * decimal (it may outgrow a long); min and max keep the column's type. Anything else is a double.
     */
    public static ColumnType ofValue(AggregateFunction function, ColumnType source) {
        return switch (function) {
            case COUNT, QUALITY, MIRROR -> LONG;
            case AVG -> DOUBLE;
            case SUM -> switch (source.kind) {
                case INT -> LONG;
                case LONG -> new ColumnType(Kind.DECIMAL, WIDEST_DECIMAL, 0);
                case DECIMAL -> new ColumnType(Kind.DECIMAL, WIDEST_DECIMAL, source.scale);
                default -> DOUBLE;
            };
            case MIN, MAX -> switch (source.kind) {
                case INT, LONG, DECIMAL, FLOAT, DOUBLE -> source;
                default -> DOUBLE;
            };
        };
    }

    /** The Parquet (Avro) type of the column, not yet nullable. */
    public Schema avro() {
        return switch (kind) {
            case TEXT -> Schema.create(Schema.Type.STRING);
            case INT -> Schema.create(Schema.Type.INT);
            case LONG -> Schema.create(Schema.Type.LONG);
            case DECIMAL -> LogicalTypes.decimal(Math.max(precision, Math.max(scale, 1)), scale)
                    .addToSchema(Schema.create(Schema.Type.BYTES));
            case FLOAT -> Schema.create(Schema.Type.FLOAT);
            case DOUBLE -> Schema.create(Schema.Type.DOUBLE);
            case BOOLEAN -> Schema.create(Schema.Type.BOOLEAN);
            case DATE -> LogicalTypes.date().addToSchema(Schema.create(Schema.Type.INT));
            case TIMESTAMP -> LogicalTypes.localTimestampMicros().addToSchema(Schema.create(Schema.Type.LONG));
            case TIMESTAMPTZ -> LogicalTypes.timestampMicros().addToSchema(Schema.create(Schema.Type.LONG));
        };
    }

    /**
     * A group's text as a value of this type, comparable with the other groups of its column (so groups sort as
     * numbers or dates, not as text).
     *
     * @throws IllegalArgumentException the text is not of this type (the source column's type changed since)
     */
    public Comparable<?> parse(String text) {
        if (text == null) {
            return null;
        }
        try {
            return switch (kind) {
                case TEXT -> text;
                case INT -> Integer.valueOf(text);
                case LONG -> Long.valueOf(text);
                case DECIMAL -> new BigDecimal(text);
                case FLOAT -> Float.valueOf(text);
                case DOUBLE -> Double.valueOf(text);
                case BOOLEAN -> Boolean.valueOf(text);
                case DATE -> LocalDate.parse(text);
                case TIMESTAMP -> LocalDateTime.parse(text);
                case TIMESTAMPTZ -> OffsetDateTime.parse(text).toInstant();
            };
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("'" + text + "' is no " + kind.name().toLowerCase(java.util.Locale.ROOT)
                    + " value", e);
        }
    }

    /** A value as this type, for a value column (the state keeps values as numeric). */
    public Comparable<?> of(BigDecimal value) {
        if (value == null) {
            return null;
        }
        return switch (kind) {
            case INT -> value.intValue();
            case LONG -> value.longValue();
            case DECIMAL -> value;
            case FLOAT -> value.floatValue();
            default -> value.doubleValue();
        };
    }

    /** A value of this type ({@link #parse} or {@link #of}) as Avro writes it. */
    public Object avroValue(Comparable<?> value) {
        if (value == null) {
            return null;
        }
        return switch (kind) {
            case DECIMAL -> ByteBuffer.wrap(((BigDecimal) value).setScale(scale, RoundingMode.HALF_UP).unscaledValue()
                    .toByteArray());
            case DATE -> (int) ((LocalDate) value).toEpochDay();
            case TIMESTAMP -> ChronoUnit.MICROS.between(Instant.EPOCH, ((LocalDateTime) value).toInstant(ZoneOffset.UTC));
            case TIMESTAMPTZ -> ChronoUnit.MICROS.between(Instant.EPOCH, (Instant) value);
            default -> value;
        };
    }
}
