package org.cdcpipeline.aggregate;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads a change event as the cdc-capture route writes it (Kafka Connect's JSON with schemas) into the
 * {@link RowChange} an aggregate applies. Only the few fields an aggregate needs are read from the JSON tree; a numeric
 * column (Kafka Connect's Decimal: base64 of the unscaled value) is decoded with the scale its schema gives.
 * A record that cannot be read, or whose group or value the state store could not hold, is an
 * {@link UnusableChangeException}: retrying it cannot help.
 */
public final class RowChanges {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DECIMAL = "org.apache.kafka.connect.data.Decimal";
    /** PostgreSQL's numeric: at most this many digits before and after the decimal point */
    private static final int NUMERIC_INTEGER_DIGITS = 131072;
    private static final int NUMERIC_FRACTION_DIGITS = 16383;

    /** A tombstone (null value) reads as the delete it follows, without commit time or LSN of its own. */
    public RowChange read(byte[] key, byte[] value, String topic, int partition, long offset, String groupColumn,
                          String valueColumn) {
        String rowKey = rowKey(key, topic, partition, offset);
        if (value == null) {
            return new RowChange(rowKey, null, null, true, topic, partition, offset, 0, null);
        }
        JsonNode event = parse(value, topic, partition, offset);
        JsonNode payload = event.path("payload");
        JsonNode source = payload.path("source");
        if (!payload.path("op").isTextual() || !source.path("ts_ms").canConvertToLong()) {
            throw new UnusableChangeException("Not a change event envelope at " + topic + "/" + partition + "@" + offset);
        }
        long sourceTsMs = source.get("ts_ms").asLong();
        Long lsn = source.path("lsn").canConvertToLong() ? source.get("lsn").asLong() : null;
        if ("d".equals(payload.get("op").asText())) {
            return new RowChange(rowKey, null, null, true, topic, partition, offset, sourceTsMs, lsn);
        }
        JsonNode after = payload.path("after");
        String group = group(column(after, groupColumn, topic), groupColumn, topic);
        BigDecimal number = valueColumn == null || valueColumn.isEmpty() ? null
                : number(column(after, valueColumn, topic), event, valueColumn, topic);
        return new RowChange(rowKey, group, number, false, topic, partition, offset, sourceTsMs, lsn);
    }

    /** A group is a scalar that PostgreSQL's text can hold (no NUL character). */
    private static String group(JsonNode value, String column, String topic) {
        if (value.isNull()) {
            return null;
        }
        if (!value.isValueNode() || value.isBinary()) {
            throw new UnusableChangeException("Column '" + column + "' of " + topic + " holds " + value.getNodeType()
                    + ", which cannot be a group");
        }
        String text = value.asText();
        if (text.indexOf('\0') >= 0) {
            throw new UnusableChangeException("Column '" + column + "' of " + topic + " holds a NUL character, which "
                    + "PostgreSQL's text cannot store");
        }
        return text;
    }

    private static JsonNode parse(byte[] json, String topic, int partition, long offset) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UnusableChangeException("Unreadable change event at " + topic + "/" + partition + "@" + offset
                    + ": " + e.getMessage(), e);
        }
    }

    private static String rowKey(byte[] key, String topic, int partition, long offset) {
        if (key == null) {
            throw new UnusableChangeException("Change event without a key at " + topic + "/" + partition + "@" + offset
                    + ": aggregates need the row's primary key");
        }
        JsonNode payload = parse(key, topic, partition, offset).get("payload");
        if (payload == null) {
            throw new UnusableChangeException("Change event key without payload at " + topic + "/" + partition + "@" + offset);
        }
        return payload.toString();
    }

    private static JsonNode column(JsonNode row, String column, String topic) {
        JsonNode value = row.get(column);
        if (value == null) {
            List<String> columns = new ArrayList<>();
            row.fieldNames().forEachRemaining(columns::add);
            throw new UnusableChangeException("Topic " + topic + " has no column '" + column + "' (columns: " + columns
                    + "): fix the aggregate's definition");
        }
        return value;
    }

    private static BigDecimal number(JsonNode value, JsonNode event, String column, String topic) {
        if (value.isNull()) {
            return null;
        }
        if (value.isNumber()) {
            try {
                return storable(value.decimalValue(), column, topic);
            } catch (NumberFormatException e) {
                // a JSON number beyond a double's range reads as Infinity
                throw new UnusableChangeException("Column '" + column + "' of " + topic + " holds " + value
                        + ", which PostgreSQL's numeric cannot store", e);
            }
        }
        Integer scale = decimalScale(event, column);
        if (value.isTextual() && scale != null) {
            try {
                return storable(new BigDecimal(new BigInteger(Base64.getDecoder().decode(value.asText())), scale), column, topic);
            } catch (IllegalArgumentException e) {
                throw new UnusableChangeException("Column '" + column + "' of " + topic + " is no Decimal: " + e.getMessage(), e);
            }
        }
        throw new UnusableChangeException("Column '" + column + "' of " + topic + " holds " + value.getNodeType()
                + ", not a number: sum, avg, min and max need a numeric column");
    }

    private static BigDecimal storable(BigDecimal number, String column, String topic) {
        if (number.precision() - number.scale() > NUMERIC_INTEGER_DIGITS || number.scale() > NUMERIC_FRACTION_DIGITS) {
            throw new UnusableChangeException("Column '" + column + "' of " + topic + " holds a number beyond what "
                    + "PostgreSQL's numeric can store");
        }
        return number;
    }

    /** The scale of a Decimal column in the event's schema (after's field), null if the column is no Decimal. */
    private static Integer decimalScale(JsonNode event, String column) {
        for (JsonNode part : event.path("schema").path("fields")) {
            if ("after".equals(part.path("field").asText())) {
                for (JsonNode field : part.path("fields")) {
                    if (column.equals(field.path("field").asText()) && DECIMAL.equals(field.path("name").asText())) {
                        return Integer.valueOf(field.path("parameters").path("scale").asText("0"));
                    }
                }
            }
        }
        return null;
    }
}
