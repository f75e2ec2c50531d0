package org.cdcpipeline.archive;

import java.math.BigInteger;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

/**
 * Reads a change event as Kafka Connect's JsonConverter writes it with schemas enabled ({"schema", "payload"}) and
 * types the row's columns from the Debezium schema: int8/int16/int32 -> int, int64 -> long, Decimal -> decimal,
 * io.debezium.time.Date -> date, MicroTimestamp/Timestamp/NanoTimestamp -> local-timestamp-micros,
 * ZonedTimestamp -> timestamp-micros (UTC), float/double -> float/double, boolean, anything else -> string.
 * Never nanoseconds.
 */
public final class ChangeEventParser {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String SCHEMA_START = "{\"schema\":";
    private static final String PAYLOAD_START = ",\"payload\":";

    /** Parsed schema parts by their text, and column types per row schema: a table's schema rarely changes. */
    private final Map<String, JsonNode> schemas = new ConcurrentHashMap<>();
    private final Map<JsonNode, List<ArchivedChange.Column>> columnsBySchema = new ConcurrentHashMap<>();

    /**
     * The change, or null for a tombstone (null value).
     *
     * @throws UnreadableChangeException the record is not a change event: it goes to the dead-letter topic
     */
    public ArchivedChange parse(String topic, int partition, long offset, String key, String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        JsonNode schema;
        JsonNode payload;
        try {
            int split = value.startsWith(SCHEMA_START) ? value.indexOf(PAYLOAD_START) : -1;
            if (split > 0 && value.endsWith("}")) {
                // as cdc-capture writes it: the schema part, the same for every event of a table, is parsed once
                schema = schemas.computeIfAbsent(value.substring(SCHEMA_START.length(), split), ChangeEventParser::readTree);
                payload = JSON.readTree(value.substring(split + PAYLOAD_START.length(), value.length() - 1));
            } else {
                JsonNode event = JSON.readTree(value);
                schema = event.path("schema");
                payload = event.path("payload");
            }
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new UnreadableChangeException("Record " + topic + "-" + partition + "@" + offset
                    + " is not a JSON change event: " + e.getMessage(), e);
        }
        String op = payload.path("op").asText(null);
        if (op == null) {
            throw new UnreadableChangeException("Record " + topic + "-" + partition + "@" + offset
                    + " is not a change event (no payload.op)", null);
        }
        boolean delete = "d".equals(op);
        JsonNode row = payload.path(delete ? "before" : "after");
        JsonNode rowSchema = rowSchema(schema, delete ? "before" : "after");
        List<ArchivedChange.Column> columns = columnsBySchema.computeIfAbsent(rowSchema, ChangeEventParser::columns);
        Object[] values = new Object[columns.size()];
        Iterator<JsonNode> fields = rowSchema.path("fields").elements();
        for (int i = 0; fields.hasNext(); i++) {
            JsonNode field = fields.next();
            values[i] = value(field, row.path(field.path("field").asText()));
        }
        JsonNode source = payload.path("source");
        return new ArchivedChange(topic, partition, offset, source.path("table").asText(tableOf(topic)),
                keyOf(key), op, source.path("lsn").asLong(), source.hasNonNull("txId") ? source.get("txId").asLong() : null,
                source.path("ts_ms").asLong(), columns, values);
    }

    private static JsonNode readTree(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
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
    private static String keyOf(String key) {
        if (key == null) {
            return "";
        }
        try {
            JsonNode node = JSON.readTree(key);
            return node.has("payload") ? node.get("payload").toString() : node.toString();
        } catch (JsonProcessingException e) {
            return key;
        }
    }

    private static JsonNode rowSchema(JsonNode envelopeSchema, String name) {
        for (JsonNode field : envelopeSchema.path("fields")) {
            if (name.equals(field.path("field").asText())) {
                return field;
            }
        }
        throw new IllegalArgumentException("The change event's schema has no '" + name + "' field");
    }

    private static List<ArchivedChange.Column> columns(JsonNode rowSchema) {
        List<ArchivedChange.Column> columns = new ArrayList<>();
        for (JsonNode field : rowSchema.path("fields")) {
            columns.add(new ArchivedChange.Column(field.path("field").asText(), avroType(field)));
        }
        return List.copyOf(columns);
    }

    static Schema avroType(JsonNode field) {
        String type = field.path("type").asText();
        String name = field.path("name").asText("");
        switch (name) {
            case "org.apache.kafka.connect.data.Decimal": {
                JsonNode parameters = field.path("parameters");
                int scale = Integer.parseInt(parameters.path("scale").asText("0"));
                int precision = Integer.parseInt(parameters.path("connect.decimal.precision").asText("38"));
                return LogicalTypes.decimal(Math.max(precision, Math.max(scale, 1)), scale)
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

    static Object value(JsonNode field, JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return null;
        }
        String type = field.path("type").asText();
        String name = field.path("name").asText("");
        switch (name) {
            case "org.apache.kafka.connect.data.Decimal":
                return java.nio.ByteBuffer.wrap(value.isTextual() ? Base64.getDecoder().decode(value.asText())
                        : value.decimalValue().unscaledValue().toByteArray());
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
    public static java.math.BigDecimal decimal(java.nio.ByteBuffer bytes, int scale) {
        byte[] b = new byte[bytes.remaining()];
        bytes.duplicate().get(b);
        return new java.math.BigDecimal(new BigInteger(b), scale);
    }
}
