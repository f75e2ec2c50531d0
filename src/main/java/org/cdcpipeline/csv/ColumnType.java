package org.cdcpipeline.csv;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The PostgreSQL type of a column as far as CSV import cares: how a CSV field is checked, and how it is written for
 * COPY. A field that fails its check becomes a reject with a reason instead of failing its whole batch.
 */
public enum ColumnType {
    SMALLINT("smallint"), INTEGER("integer"), BIGINT("bigint"),
    NUMERIC("numeric"), DOUBLE("double precision"),
    BOOLEAN("boolean"), DATE("date"), TIMESTAMP("timestamp"), TIMESTAMPTZ("timestamptz"),
    UUID_TYPE("uuid"),
    /** text, varchar and char. */
    TEXT("text"),
    /** name, citext, json, jsonb, arrays and anything else: passed through as text; PostgreSQL checks them. */
    OTHER("text");

    private static final Pattern FULL_OFFSET = Pattern.compile("[+-]\\d\\d:\\d\\d$");
    private static final Pattern HOUR_OFFSET = Pattern.compile("([+-]\\d\\d)$");

    private final String sqlName;

    ColumnType(String sqlName) {
        this.sqlName = sqlName;
    }

    /** The type name to create a column of this type with. */
    public String sqlName() {
        return sqlName;
    }

    /** Maps information_schema's data_type / udt_name to a column type. */
    public static ColumnType fromPostgres(String udtName) {
        return switch (udtName) {
            case "int2" -> SMALLINT;
            case "int4" -> INTEGER;
            case "int8" -> BIGINT;
            case "numeric" -> NUMERIC;
            case "float4", "float8" -> DOUBLE;
            case "bool" -> BOOLEAN;
            case "date" -> DATE;
            case "timestamp" -> TIMESTAMP;
            case "timestamptz" -> TIMESTAMPTZ;
            case "uuid" -> UUID_TYPE;
            // name and citext are text too, but read their binary COPY form otherwise (see BinaryCopy)
            case "text", "varchar", "bpchar" -> TEXT;
            default -> OTHER;
        };
    }

    /**
     * Checks a non-empty field and returns it as COPY should receive it.
     *
     * @throws IllegalArgumentException with a reason naming what was expected
     */
    public String normalize(String field) {
        String v = this == TEXT || this == OTHER ? field : field.trim();
        try {
            switch (this) {
                case SMALLINT -> checkRange(Long.parseLong(v), Short.MIN_VALUE, Short.MAX_VALUE);
                case INTEGER -> checkRange(Long.parseLong(v), Integer.MIN_VALUE, Integer.MAX_VALUE);
                case BIGINT -> Long.parseLong(v);
                case NUMERIC, DOUBLE -> new BigDecimal(v);
                case BOOLEAN -> v = parseBoolean(v);
                case DATE -> LocalDate.parse(v);
                case TIMESTAMP -> LocalDateTime.parse(v.replace(' ', 'T'));
                case TIMESTAMPTZ -> parseTimestampTz(v);
                case UUID_TYPE -> {
                    if (v.length() != 36) {
                        throw new IllegalArgumentException();
                    }
                    UUID.fromString(v);
                }
                default -> {
                    // checked by PostgreSQL
                }
            }
            return v;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("'" + abbreviate(field) + "' is not " + expected());
        }
    }

    private String expected() {
        return switch (this) {
            case SMALLINT -> "a smallint";
            case INTEGER -> "an integer";
            case BIGINT -> "a bigint";
            case NUMERIC, DOUBLE -> "a number (like 1234.50)";
            case BOOLEAN -> "a boolean (true/false)";
            case DATE -> "a date (yyyy-MM-dd)";
            case TIMESTAMP -> "a timestamp (yyyy-MM-dd HH:mm:ss)";
            case TIMESTAMPTZ -> "a timestamp with time zone (yyyy-MM-dd HH:mm:ss+01:00)";
            case UUID_TYPE -> "a uuid";
            default -> "valid";
        };
    }

    private static void checkRange(long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException();
        }
    }

    private static String parseBoolean(String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "t", "yes", "y", "on", "1" -> "true";
            case "false", "f", "no", "n", "off", "0" -> "false";
            default -> throw new IllegalArgumentException();
        };
    }

    private static void parseTimestampTz(String v) {
        String iso = v.replace(' ', 'T');
        try {
            OffsetDateTime.parse(iso.endsWith("Z") || FULL_OFFSET.matcher(iso).find() ? iso : iso + "Z");
        } catch (DateTimeParseException e) {
            OffsetDateTime.parse(HOUR_OFFSET.matcher(iso).replaceFirst("$1:00"));
        }
    }

    static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
