package org.cdcpipeline.aggregate;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;

/**
 * Reads a change event as the cdc-capture route writes it (Kafka Connect's JSON with schemas) into the
 * {@link RowChange} an aggregate applies. Kafka Connect's own converter reads it, so column types (a numeric's
 * base64 unscaled value, dates as days) come back as Java values.
 */
public final class RowChanges {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final JsonConverter values = new JsonConverter();

    public RowChanges() {
        values.configure(Map.of("schemas.enable", "true"), false);
    }

    /** A tombstone (null value) reads as the delete it follows, without commit time or LSN of its own. */
    public RowChange read(byte[] key, byte[] value, String topic, int partition, long offset, String groupColumn,
                          String valueColumn) {
        String rowKey = rowKey(key, topic, partition, offset);
        if (value == null) {
            return new RowChange(rowKey, null, null, true, topic, partition, offset, 0, null);
        }
        SchemaAndValue event = values.toConnectData(topic, value);
        if (!(event.value() instanceof Struct envelope)) {
            throw new IllegalArgumentException("Not a change event envelope at " + topic + "/" + partition + "@" + offset);
        }
        String op = envelope.getString("op");
        Struct source = envelope.getStruct("source");
        long sourceTsMs = source.getInt64("ts_ms");
        Long lsn = source.schema().field("lsn") != null ? source.getInt64("lsn") : null;
        if ("d".equals(op)) {
            return new RowChange(rowKey, null, null, true, topic, partition, offset, sourceTsMs, lsn);
        }
        Struct after = envelope.getStruct("after");
        Object group = column(after, groupColumn, topic);
        BigDecimal number = valueColumn == null || valueColumn.isEmpty() ? null
                : number(column(after, valueColumn, topic), valueColumn, topic);
        return new RowChange(rowKey, group == null ? null : group.toString(), number, false, topic, partition, offset,
                sourceTsMs, lsn);
    }

    private static String rowKey(byte[] key, String topic, int partition, long offset) {
        if (key == null) {
            throw new IllegalArgumentException("Change event without a key at " + topic + "/" + partition + "@" + offset
                    + ": aggregates need the row's primary key");
        }
        try {
            return JSON.readTree(key).get("payload").toString();
        } catch (IOException | NullPointerException e) {
            throw new IllegalArgumentException("Unreadable change event key at " + topic + "/" + partition + "@" + offset, e);
        }
    }

    private static Object column(Struct row, String column, String topic) {
        Field field = row.schema().field(column);
        if (field == null) {
            throw new IllegalArgumentException("Topic " + topic + " has no column '" + column + "' (columns: "
                    + row.schema().fields().stream().map(Field::name).toList() + "): fix the aggregate's definition");
        }
        return row.get(field);
    }

    private static BigDecimal number(Object value, String column, String topic) {
        if (value == null) {
            return null;
        }
        if (value instanceof BigDecimal d) {
            return d;
        }
        if (value instanceof Number n) {
            return new BigDecimal(n.toString());
        }
        throw new IllegalArgumentException("Column '" + column + "' of " + topic + " holds " + value.getClass().getSimpleName()
                + ", not a number: sum, avg, min and max need a numeric column");
    }
}
