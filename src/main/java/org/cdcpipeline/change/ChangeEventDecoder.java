package org.cdcpipeline.change;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Decodes a change event as Kafka Connect's JsonConverter writes it with schemas enabled ({"schema", "payload"}), the
 * form cdc-capture publishes, for the raw archive and the aggregates alike. The schema part, the same for every event
 * of a table, is parsed once per distinct text; only the payload is parsed per event.
 */
public final class ChangeEventDecoder {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] SCHEMA_START_UTF8 = "{\"schema\":".getBytes(StandardCharsets.UTF_8);
    private static final byte[] PAYLOAD_START_UTF8 = ",\"payload\":".getBytes(StandardCharsets.UTF_8);

    private final Map<String, EnvelopeSchema> schemas = new ConcurrentHashMap<>();
    /**
     * The schema of the last event: the next one of the same table is recognised by comparing its text in place,
     * cheaper than hashing a copy of it for the map.
     */
    private volatile KnownSchema last;

    private record KnownSchema(byte[] utf8, EnvelopeSchema schema) {

        boolean starts(byte[] json) {
            int end = SCHEMA_START_UTF8.length + utf8.length;
            return json.length > end + PAYLOAD_START_UTF8.length
                    && Arrays.equals(json, SCHEMA_START_UTF8.length, end, utf8, 0, utf8.length)
                    && Arrays.equals(json, end, end + PAYLOAD_START_UTF8.length, PAYLOAD_START_UTF8, 0,
                    PAYLOAD_START_UTF8.length);
        }
    }

    /**
     * Read from the record's UTF-8 bytes as they are, with no copy of the value as text. Bytes that are no UTF-8 are
     * refused.
     *
     * @param json a record value that is not null
     * @throws ChangeEventFormatException the value is no UTF-8, no JSON, or its schema part is malformed
     */
    public ChangeEvent decode(byte[] json) {
        try {
            if (startsWith(json, SCHEMA_START_UTF8) && json[json.length - 1] == '}') {
                KnownSchema known = last;
                if (known == null || !known.starts(json)) {
                    int split = indexOf(json, PAYLOAD_START_UTF8);
                    known = split > 0 ? remember(strictUtf8(json, SCHEMA_START_UTF8.length, split)) : null;
                }
                if (known != null) {
                    int payload = SCHEMA_START_UTF8.length + known.utf8().length + PAYLOAD_START_UTF8.length;
                    // closed, so its buffers are recycled and the field names it met join the shared symbol table
                    try (JsonParser parser = JSON.createParser(json, payload, json.length - 1 - payload)) {
                        JsonNode node = JSON.readTree(parser);
                        if (node == null) {
                            throw new ChangeEventFormatException("not a JSON change event: the payload is empty", null);
                        }
                        return new ChangeEvent(known.schema(), node);
                    }
                }
            }
            JsonNode event = JSON.readTree(json);
            JsonNode schema = event.path("schema");
            return new ChangeEvent(schemas.computeIfAbsent(schema.toString(), text -> EnvelopeSchema.of(schema)),
                    event.path("payload"));
        } catch (IOException | IllegalArgumentException e) {
            throw new ChangeEventFormatException("not a JSON change event: " + e.getMessage(), e);
        }
    }

    private KnownSchema remember(String text) {
        KnownSchema known = new KnownSchema(text.getBytes(StandardCharsets.UTF_8),
                schemas.computeIfAbsent(text, t -> EnvelopeSchema.of(readTree(t))));
        last = known;
        return known;
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        return bytes.length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static int indexOf(byte[] bytes, byte[] part) {
        for (int i = 0; i + part.length <= bytes.length; i++) {
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
