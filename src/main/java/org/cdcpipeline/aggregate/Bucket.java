package org.cdcpipeline.aggregate;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAdjusters;
import java.util.List;
import java.util.Locale;

/**
 * How an aggregate's group value is put in a bucket, named by the template's {@code bucket} parameter: a number
 * ({@code 10}: 20 to 29 is the group 20) for a numeric column, or a calendar unit ({@code day}, {@code week},
 * {@code month}, {@code quarter}, {@code year}: 2024-03-17 is the group 2024-03-01 by month) for a date or timestamp
 * column. The group is the bucket's first value, of the column's own type; a NULL stays in the NULL group.
 */
public sealed interface Bucket {

    List<String> UNITS = List.of("day", "week", "month", "quarter", "year");

    /** The group of a value, given as the text {@link RowChanges} reads it in (plain numbers, ISO dates). */
    String of(String value);

    /** The parameter as the definition gives it ({@code ""} without a bucket). */
    String parameter();

    /**
     * @param parameter empty or null for no bucket
     * @throws IllegalArgumentException the parameter is neither a positive number nor a unit
     */
    static Bucket parse(String parameter) {
        String p = parameter == null ? "" : parameter.trim().toLowerCase(Locale.ROOT);
        if (p.isEmpty()) {
            return new None();
        }
        if (UNITS.contains(p)) {
            return new Calendar(p);
        }
        try {
            BigDecimal width = new BigDecimal(p);
            if (width.signum() > 0) {
                return new Width(width);
            }
        } catch (NumberFormatException e) {
            // named below
        }
        throw new IllegalArgumentException("bucket '" + parameter + "' is neither a positive number (10 groups 20 to 29 "
                + "as 20) nor one of " + UNITS);
    }

    /** Every value is its own group. */
    record None() implements Bucket {
        @Override
        public String of(String value) {
            return value;
        }

        @Override
        public String parameter() {
            return "";
        }
    }

    /** Numbers in buckets of a width: the group is the greatest multiple of the width not above the value. */
    record Width(BigDecimal width) implements Bucket {
        @Override
        public String of(String value) {
            BigDecimal number;
            try {
                number = new BigDecimal(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bucket " + parameter() + " needs a numeric column, not '" + value + "'");
            }
            return number.divide(width, 0, RoundingMode.FLOOR).multiply(width).stripTrailingZeros().toPlainString();
        }

        @Override
        public String parameter() {
            return width.toPlainString();
        }
    }

    /** Dates and timestamps by calendar unit: the group is the unit's first day (at midnight, UTC for timestamptz). */
    record Calendar(String unit) implements Bucket {
        @Override
        public String of(String value) {
            try {
                if (value.length() == 10) {
                    return first(LocalDate.parse(value)).toString();
                }
                if (value.endsWith("Z") || value.matches(".*[+-]\\d\\d:?\\d\\d$")) {
                    LocalDate day = OffsetDateTime.parse(value).withOffsetSameInstant(ZoneOffset.UTC).toLocalDate();
                    return first(day).atStartOfDay().atOffset(ZoneOffset.UTC).toString();
                }
                return first(LocalDateTime.parse(value).toLocalDate()).atStartOfDay().toString();
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("bucket " + unit + " needs a date or timestamp column, not '" + value + "'");
            }
        }

        private LocalDate first(LocalDate day) {
            return switch (unit) {
                case "day" -> day;
                case "week" -> day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
                case "month" -> day.withDayOfMonth(1);
                case "quarter" -> day.withDayOfMonth(1).withMonth((day.getMonthValue() - 1) / 3 * 3 + 1);
                default -> day.withDayOfYear(1);
            };
        }

        @Override
        public String parameter() {
            return unit;
        }
    }
}
