package org.cdcpipeline.change;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

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
    private static final String SCHEMA_START = "{\"schema\":";
    private static final String PAYLOAD_START = ",\"payload\":";

    private final Map<String, EnvelopeSchema> schemas = new ConcurrentHashMap<>();
    /**
     * The schema of the last event: the next one of the same table is recognised by comparing its text in place,
     * cheaper than hashing a copy of it for the map.
     */
    private volatile KnownSchema last;

    private record KnownSchema(String text, EnvelopeSchema schema) {

        boolean starts(String json) {
            return json.startsWith(text, SCHEMA_START.length())
                    && json.startsWith(PAYLOAD_START, SCHEMA_START.length() + text.length());
        }
    }

    /**
     * @param json a record value that is not null
     * @throws ChangeEventFormatException the value is no JSON, or its schema part is malformed
     */
    public ChangeEvent decode(String json) {
        try {
            if (json.startsWith(SCHEMA_START) && json.endsWith("}")) {
                KnownSchema known = last;
                if (known == null || !known.starts(json)) {
                    int split = json.indexOf(PAYLOAD_START);
                    known = split > 0 ? remember(json.substring(SCHEMA_START.length(), split)) : null;
                }
                if (known != null) {
                    int payload = SCHEMA_START.length() + known.text().length() + PAYLOAD_START.length();
                    return new ChangeEvent(known.schema(), JSON.readTree(json.substring(payload, json.length() - 1)));
                }
            }
            JsonNode event = JSON.readTree(json);
            JsonNode schema = event.path("schema");
            return new ChangeEvent(schemas.computeIfAbsent(schema.toString(), text -> EnvelopeSchema.of(schema)),
                    event.path("payload"));
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new ChangeEventFormatException("not a JSON change event: " + e.getMessage(), e);
        }
    }

    private KnownSchema remember(String text) {
        KnownSchema known = new KnownSchema(text, schemas.computeIfAbsent(text, t -> EnvelopeSchema.of(readTree(t))));
        last = known;
        return known;
    }

    /**
     * A record key as JSON ({"schema", "payload"} from cdc-capture, where the payload holds the primary key's values).
     *
     * @throws ChangeEventFormatException the key is no JSON
     */
    public static JsonNode readKey(String key) {
        try {
            return JSON.readTree(key);
        } catch (JsonProcessingException e) {
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
