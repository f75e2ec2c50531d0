package org.cdcpipeline.change;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * Decodes a change event as Kafka Connect's JsonConverter writes it with schemas enabled ({"schema", "payload"}), the
 * form cdc-capture publishes, for the raw archive and the aggregates alike. The schema part, the same for every event
 * of a table, is parsed once per distinct text; only the payload is parsed per event.
 */
public final class ChangeEventDecoder {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] SCHEMA_START_UTF8 = "{\"schema\":".getBytes(StandardCharsets.UTF_8);
    private static final byte[] PAYLOAD_START_UTF8 = ",\"payload\":".getBytes(StandardCharsets.UTF_8);

    private static final int MAX_KEY_SCHEMAS = 256;
    private static final String[] NO_NAMES = {};
    private static final JsonNode[] NO_VALUES = {};

    private final Map<String, EnvelopeSchema> schemas = new ConcurrentHashMap<>();
    /** The bytes before the payload of keys read whole, one per table's key schema. */
    private final List<byte[]> keySchemas = new CopyOnWriteArrayList<>();
    /**
     * The schema of the last event: the next one of the same table is recognised by comparing its text in place,
     * cheaper than hashing a copy of it for the map.
     */
    private volatile KnownSchema last;

    private record KnownSchema(byte[] utf8, EnvelopeSchema schema) {

        boolean starts(byte[] json, int from, int to) {
            int end = from + SCHEMA_START_UTF8.length + utf8.length;
            return to - end > PAYLOAD_START_UTF8.length
                    && Arrays.equals(json, from + SCHEMA_START_UTF8.length, end, utf8, 0, utf8.length)
                    && Arrays.equals(json, end, end + PAYLOAD_START_UTF8.length, PAYLOAD_START_UTF8, 0,
                    PAYLOAD_START_UTF8.length);
        }
    }

    /**
     * A record value as the Kafka consumer hands it over (ByteBufferDeserializer: a view of the fetched bytes, no
     * copy), read in place; the buffer's position is left as it was.
     *
     * @see #decode(byte[], int, int)
     */
    public ChangeEvent decode(ByteBuffer json) {
        if (json.hasArray()) {
            return decode(json.array(), json.arrayOffset() + json.position(), json.remaining());
        }
        byte[] copy = bytesOf(json);
        return decode(copy, 0, copy.length);
    }

    /**
     * A record value's bytes in an array of their own (null for null), for a record that is passed on as it came (a
     * dead letter): the buffer the consumer hands over is a view of its fetch.
     */
    public static byte[] bytesOf(ByteBuffer value) {
        if (value == null) {
            return null;
        }
        byte[] bytes = new byte[value.remaining()];
        value.duplicate().get(bytes);
        return bytes;
    }

    /** @see #decode(byte[], int, int) */
    public ChangeEvent decode(byte[] json) {
        return decode(json, 0, json.length);
    }

    /**
     * Read from the record's UTF-8 bytes as they are, with no copy of the value as text. Bytes that are no UTF-8 are
     * refused.
     *
     * @param json holds a record value that is not null at {@code [from, from + length)}
     * @throws ChangeEventFormatException the value is no UTF-8, no JSON, or its schema part is malformed
     */
    public ChangeEvent decode(byte[] json, int from, int length) {
        int to = from + length;
        try {
            if (startsWith(json, from, to, SCHEMA_START_UTF8) && json[to - 1] == '}') {
                KnownSchema known = last;
                if (known == null || !known.starts(json, from, to)) {
                    int split = indexOf(json, from, to, PAYLOAD_START_UTF8);
                    known = split > 0 ? remember(strictUtf8(json, from + SCHEMA_START_UTF8.length, split)) : null;
                }
                if (known != null) {
                    int payload = from + SCHEMA_START_UTF8.length + known.utf8().length + PAYLOAD_START_UTF8.length;
                    // closed, so its buffers are recycled and the field names it met join the shared symbol table
                    try (JsonParser parser = JSON.createParser(json, payload, to - 1 - payload)) {
                        if (parser.nextToken() == null) {
                            throw new ChangeEventFormatException("not a JSON change event: the payload is empty", null);
                        }
                        return readPayload(parser, known.schema());
                    }
                }
            }
            JsonNode event = JSON.readTree(json, from, length);
            JsonNode schema = event.path("schema");
            EnvelopeSchema envelope = schemas.computeIfAbsent(schema.toString(), text -> EnvelopeSchema.of(schema));
            try (JsonParser parser = JSON.treeAsTokens(event.path("payload"))) {
                parser.nextToken();
                return readPayload(parser, envelope);
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new ChangeEventFormatException("not a JSON change event: " + e.getMessage(), e);
        }
    }

    /**
     * The payload, read as it streams by: the operation, the four source fields readers use, and the row images
     * column by column. A tree of the whole payload per event was most of the readers' work.
     *
     * @param parser at the payload's first token
     */
    private static ChangeEvent readPayload(JsonParser parser, EnvelopeSchema schema) throws IOException {
        String op = null;
        Long sourceTsMs = null;
        Long lsn = null;
        Long txId = null;
        String table = null;
        RowImage before = noColumns(schema.before());
        RowImage after = noColumns(schema.after());
        if (parser.currentToken() == JsonToken.START_OBJECT) {
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (field) {
                    case "op" -> {
                        op = value == JsonToken.VALUE_STRING ? parser.getText() : null;
                        parser.skipChildren();
                    }
                    case "before" -> before = readRow(parser, schema.before());
                    case "after" -> after = readRow(parser, schema.after());
                    case "source" -> {
                        if (value != JsonToken.START_OBJECT) {
                            parser.skipChildren();
                            continue;
                        }
                        while (parser.nextToken() == JsonToken.FIELD_NAME) {
                            String name = parser.currentName();
                            JsonToken token = parser.nextToken();
                            switch (name) {
                                case "ts_ms" -> sourceTsMs = longOf(parser, token);
                                case "lsn" -> lsn = longOf(parser, token);
                                case "txId" -> txId = longOf(parser, token);
                                case "table" -> table = token == JsonToken.VALUE_STRING ? parser.getText() : null;
                                default -> parser.skipChildren();
                            }
                        }
                    }
                    default -> parser.skipChildren();
                }
            }
        }
        return new ChangeEvent(op, sourceTsMs, lsn, txId, table, before, after);
    }

    private static RowImage noColumns(RowSchema schema) {
        return new RowImage(schema, NO_NAMES, NO_VALUES);
    }

    /** A row image's columns in their order, each value as the node a tree of it would hold. */
    private static RowImage readRow(JsonParser parser, RowSchema schema) throws IOException {
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            parser.skipChildren();
            return noColumns(schema);
        }
        int expected = schema == null ? 8 : schema.fields().size();
        String[] names = new String[expected];
        JsonNode[] values = new JsonNode[expected];
        int n = 0;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            if (n == names.length) {
                names = Arrays.copyOf(names, n * 2);
                values = Arrays.copyOf(values, n * 2);
            }
            names[n] = parser.currentName();
            values[n] = node(parser, parser.nextToken());
            n++;
        }
        return new RowImage(schema, n == names.length ? names : Arrays.copyOf(names, n),
                n == values.length ? values : Arrays.copyOf(values, n));
    }

    /** The node ObjectMapper's tree holds for the value at the parser (its default settings: floats as doubles). */
    private static JsonNode node(JsonParser parser, JsonToken token) throws IOException {
        return switch (token) {
            case VALUE_STRING -> TextNode.valueOf(parser.getText());
            case VALUE_NUMBER_INT -> switch (parser.getNumberType()) {
                case INT -> IntNode.valueOf(parser.getIntValue());
                case LONG -> LongNode.valueOf(parser.getLongValue());
                default -> BigIntegerNode.valueOf(parser.getBigIntegerValue());
            };
            case VALUE_NUMBER_FLOAT -> DoubleNode.valueOf(parser.getDoubleValue());
            case VALUE_TRUE -> BooleanNode.TRUE;
            case VALUE_FALSE -> BooleanNode.FALSE;
            case VALUE_NULL -> NullNode.getInstance();
            default -> JSON.readTree(parser); // an array or object value: its subtree
        };
    }

    /** A source field as a long: a number within a long's range (as a tree's canConvertToLong), else null. */
    private static Long longOf(JsonParser parser, JsonToken token) throws IOException {
        return switch (token) {
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> node(parser, token).canConvertToLong() ? parser.getValueAsLong() : null;
            default -> {
                parser.skipChildren();
                yield null;
            }
        };
    }

    private KnownSchema remember(String text) {
        KnownSchema known = new KnownSchema(text.getBytes(StandardCharsets.UTF_8),
                schemas.computeIfAbsent(text, t -> EnvelopeSchema.of(readTree(t))));
        last = known;
        return known;
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        return startsWith(bytes, 0, bytes.length, prefix);
    }

    private static boolean startsWith(byte[] bytes, int from, int to, byte[] prefix) {
        return to - from >= prefix.length && Arrays.equals(bytes, from, from + prefix.length, prefix, 0, prefix.length);
    }

    private static int indexOf(byte[] bytes, byte[] part) {
        return indexOf(bytes, 0, bytes.length, part);
    }

    private static int indexOf(byte[] bytes, int from, int to, byte[] part) {
        for (int i = from; i + part.length <= to; i++) {
            if (Arrays.equals(bytes, i, i + part.length, part, 0, part.length)) {
                return i;
            }
        }
        return -1;
    }

    private static String strictUtf8(byte[] bytes, int from, int to) throws CharacterCodingException {
        return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes, from, to - from)).toString();
    }

    /**
     * A record key's payload (the primary key's values) as JSON, null when the key has none. In cdc-capture's form,
     * {"schema", "payload"}, the schema part is the same for every key of a table: once a key was read whole, a key
     * that starts with the same bytes is read from its payload on.
     *
     * @throws ChangeEventFormatException the key is no JSON
     */
    public JsonNode keyPayload(byte[] key) {
        if (key.length > 0 && key[key.length - 1] == '}') {
            for (byte[] known : keySchemas) {
                if (key.length > known.length && Arrays.equals(key, 0, known.length, known, 0, known.length)) {
                    return readTree(key, known.length, key.length - 1 - known.length);
                }
            }
        }
        JsonNode payload = readKey(key).get("payload");
        int split = payload == null || !startsWith(key, SCHEMA_START_UTF8) ? -1 : indexOf(key, PAYLOAD_START_UTF8);
        if (split > 0 && key[key.length - 1] == '}') {
            int from = split + PAYLOAD_START_UTF8.length;
            try {
                // the first ,"payload": may lie inside the schema part (a parameter so named): then it is not remembered
                if (payload.equals(readTree(key, from, key.length - 1 - from))) {
                    if (keySchemas.size() >= MAX_KEY_SCHEMAS) {
                        keySchemas.clear();
                    }
                    keySchemas.add(Arrays.copyOf(key, from));
                }
            } catch (ChangeEventFormatException notThere) {
                // read whole again next time
            }
        }
        return payload;
    }

    private static JsonNode readTree(byte[] json, int from, int length) {
        try (JsonParser parser = JSON.createParser(json, from, length)) {
            return JSON.readTree(parser);
        } catch (IOException e) {
            throw new ChangeEventFormatException("the key is no JSON: " + e.getMessage(), e);
        }
    }

    /**
     * A record key (its UTF-8 bytes) as JSON ({"schema", "payload"} from cdc-capture, where the payload holds the
     * primary key's values).
     *
     * @throws ChangeEventFormatException the key is no JSON
     */
    public static JsonNode readKey(byte[] key) {
        try {
            return JSON.readTree(key);
        } catch (IOException e) {
            throw new ChangeEventFormatException("the key is no JSON: " + e.getMessage(), e);
        }
    }

    private static JsonNode readTree(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }
}
