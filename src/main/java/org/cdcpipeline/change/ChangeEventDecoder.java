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
     * @param json a record value that is not null
     * @throws ChangeEventFormatException the value is no JSON, or its schema part is malformed
     */
    public ChangeEvent decode(String json) {
        try {
            int split = json.startsWith(SCHEMA_START) ? json.indexOf(PAYLOAD_START) : -1;
            if (split > 0 && json.endsWith("}")) {
                EnvelopeSchema schema = schemas.computeIfAbsent(json.substring(SCHEMA_START.length(), split),
                        text -> EnvelopeSchema.of(readTree(text)));
                return new ChangeEvent(schema, JSON.readTree(json.substring(split + PAYLOAD_START.length(), json.length() - 1)));
            }
            JsonNode event = JSON.readTree(json);
            JsonNode schema = event.path("schema");
            return new ChangeEvent(schemas.computeIfAbsent(schema.toString(), text -> EnvelopeSchema.of(schema)),
                    event.path("payload"));
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new ChangeEventFormatException("not a JSON change event: " + e.getMessage(), e);
        }
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
