package org.cdcpipeline.archive;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.cdcpipeline.change.ChangeEvent;
import org.cdcpipeline.change.ChangeEventDecoder;
import org.cdcpipeline.change.ChangeEventFormatException;
import org.cdcpipeline.change.ConnectField;
import org.cdcpipeline.change.RowImage;
import org.cdcpipeline.change.RowSchema;

/**
 * Turns a change event (decoded by {@link ChangeEventDecoder}) into the archive's typed row, from the Debezium schema:
 * int8/int16/int32 -> int, int64 -> long, Decimal -> decimal, io.debezium.time.Date -> date,
 * MicroTimestamp/Timestamp/NanoTimestamp -> local-timestamp-micros, ZonedTimestamp -> timestamp-micros (UTC),
 * float/double -> float/double, boolean, anything else -> string. Never nanoseconds.
 */
public final class ChangeEventParser {

    private final ChangeEventDecoder decoder = new ChangeEventDecoder();
    /** Column types per row schema (one instance per distinct schema): a table's schema rarely changes. */
    private final Map<RowSchema, List<ArchivedChange.Column>> columnsBySchema = new ConcurrentHashMap<>();

    /**
     * The change, or null for a tombstone (null value).
     *
     * @throws UnreadableChangeException the record is not a change event: it goes to the dead-letter topic
     */
    public ArchivedChange parse(String topic, int partition, long offset, byte[] key, ByteBuffer value) {
        if (value == null || !value.hasRemaining()) {
            return null;
        }
        ChangeEvent event;
        try {
            event = decoder.decode(value);
        } catch (ChangeEventFormatException e) {
            throw new UnreadableChangeException("Record " + topic + "-" + partition + "@" + offset
                    + " is " + e.getMessage(), e);
        }
        String op = event.op();
        if (op == null) {
            throw new UnreadableChangeException("Record " + topic + "-" + partition + "@" + offset
                    + " is not a change event (no payload.op)", null);
        }
        RowImage row = event.row();
        if (row.schema() == null) {
            throw new IllegalArgumentException("The change event's schema has no '" + (event.deleted() ? "before" : "after")
                    + "' field");
        }
        List<ArchivedChange.Column> columns = columnsBySchema.computeIfAbsent(row.schema(), ChangeEventParser::columns);
        List<ConnectField> fields = row.schema().fields();
        Object[] values = new Object[columns.size()];
        for (int i = 0; i < values.length; i++) {
            ConnectField field = fields.get(i);
            values[i] = value(field, row.value(field.name()));
        }
        String table = event.table();
        Long lsn = event.lsn();
        Long sourceTsMs = event.sourceTsMs();
        return new ArchivedChange(topic, partition, offset, table == null ? tableOf(topic) : table, keyOf(key), op,
                lsn == null ? 0 : lsn, event.txId(), sourceTsMs == null ? 0 : sourceTsMs, columns, values);
    }

    /**
     * The table part of a topic named {@code <prefix>.<schema>.<table>} (everything after the second dot, so a table
     * name holding dots stays whole; the topic prefix must not hold dots).
     */
    public static String tableOf(String topic) {
        int first = topic.indexOf('.');
        int second = first < 0 ? -1 : topic.indexOf('.', first + 1);
        return second < 0 ? topic.substring(topic.lastIndexOf('.') + 1) : topic.substring(second + 1);
    }

    /** The key's payload (the primary key values) as compact JSON, or the raw key if it is not JSON. */
    private String keyOf(byte[] key) {
        if (key == null) {
            return "";
        }
        try {
            JsonNode payload = decoder.keyPayload(key);
            return payload != null ? payload.toString() : ChangeEventDecoder.readKey(key).toString();
        } catch (ChangeEventFormatException e) {
            return new String(key, StandardCharsets.UTF_8);
        }
    }

    private static List<ArchivedChange.Column> columns(RowSchema rowSchema) {
        return rowSchema.fields().stream().map(f -> new ArchivedChange.Column(f.name(), avroType(f))).toList();
    }

    static Schema avroType(ConnectField field) {
        String type = field.type();
        String name = field.semanticName();
        switch (name) {
            case ConnectField.DECIMAL: {
                int scale = field.scale();
                return LogicalTypes.decimal(Math.max(field.precision(), Math.max(scale, 1)), scale)
                        .addToSchema(Schema.create(Schema.Type.BYTES));
            }
            case "io.debezium.time.Date":
                return LogicalTypes.date().addToSchema(Schema.create(Schema.Type.INT));
            case "io.debezium.time.MicroTimestamp", "io.debezium.time.Timestamp", "io.debezium.time.NanoTimestamp":
                return LogicalTypes.localTimestampMicros().addToSchema(Schema.create(Schema.Type.LONG));
            case "io.debezium.time.ZonedTimestamp":
                return LogicalTypes.timestampMicros().addToSchema(Schema.create(Schema.Type.LONG));
            default:
                break;
        }
        if (!name.isEmpty() && !name.startsWith("io.debezium.data.Enum")) {
            // other named types (VariableScaleDecimal, Json, Uuid, geometry...) keep their text form
            return Schema.create(Schema.Type.STRING);
        }
        return switch (type) {
            case "int8", "int16", "int32" -> Schema.create(Schema.Type.INT);
            case "int64" -> Schema.create(Schema.Type.LONG);
            case "float", "float32" -> Schema.create(Schema.Type.FLOAT);
            case "double", "float64" -> Schema.create(Schema.Type.DOUBLE);
            case "boolean" -> Schema.create(Schema.Type.BOOLEAN);
            default -> Schema.create(Schema.Type.STRING);
        };
    }

    static Object value(ConnectField field, JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return null;
        }
        String type = field.type();
        String name = field.semanticName();
        switch (name) {
            case ConnectField.DECIMAL:
                return ByteBuffer.wrap(ConnectField.unscaledBytes(value));
            case "io.debezium.time.Date":
                return value.asInt();
            case "io.debezium.time.MicroTimestamp":
                return value.asLong();
            case "io.debezium.time.Timestamp":
                return value.asLong() * 1000;
            case "io.debezium.time.NanoTimestamp":
                return value.asLong() / 1000;
            case "io.debezium.time.ZonedTimestamp":
                return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.parse(value.asText()));
            default:
                break;
        }
        if (!name.isEmpty() && !name.startsWith("io.debezium.data.Enum")) {
            return value.isTextual() ? value.asText() : value.toString();
        }
        return switch (type) {
            case "int8", "int16", "int32" -> value.asInt();
            case "int64" -> value.asLong();
            case "float", "float32" -> (float) value.asDouble();
            case "double", "float64" -> value.asDouble();
            case "boolean" -> value.asBoolean();
            case "bytes" -> value.asText();
            default -> value.isTextual() ? value.asText() : value.toString();
        };
    }

    /** Unscaled decimal bytes back to a number, for readers of the archive and tests. */
    public static java.math.BigDecimal decimal(ByteBuffer bytes, int scale) {
        byte[] b = new byte[bytes.remaining()];
        bytes.duplicate().get(b);
        return new java.math.BigDecimal(new BigInteger(b), scale);
    }
}
