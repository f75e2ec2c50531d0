package org.cdcpipeline.cdc;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.debezium.config.Configuration;
import io.debezium.connector.postgresql.PostgresConnectorConfig;
import io.debezium.connector.postgresql.PostgresSourceInfoStructMaker;
import io.debezium.data.Envelope;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.component.debezium.DebeziumConstants;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;

/**
 * Turns the change event camel-debezium delivers (the row after the change as body, the rest as headers) back into
 * the record Debezium on Kafka Connect writes: the envelope {@code {"schema", "payload": {before, after, source, op,
 * ts_ms}}} and the key {@code {"schema", "payload": {"id": ...}}}, as Kafka Connect's JsonConverter writes them with
 * schemas enabled (its own conversions, the schema part written once per schema), for the topic
 * {@code <prefix>.<schema>.<table>}. Existing consumers of that pipeline keep working.
 */
public final class ChangeEventRecord implements Processor {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Writes schemas; the same schema's JSON is kept, not written again for every event. */
    private final JsonConverter schemas = converter(true, false);
    private final JsonConverter keys = converter(false, true);
    private final JsonConverter values = converter(false, false);
    private final Map<Schema, String> schemaJson = new ConcurrentHashMap<>();
    private final Schema sourceSchema;
    private final Map<Schema, Envelope> envelopes = new ConcurrentHashMap<>();

    public ChangeEventRecord(String topicPrefix) {
        PostgresSourceInfoStructMaker maker = new PostgresSourceInfoStructMaker();
        maker.init("postgresql", io.debezium.connector.postgresql.Module.version(), new PostgresConnectorConfig(
                Configuration.create().with("topic.prefix", topicPrefix).with("database.hostname", "localhost")
                        .with("database.dbname", "postgres").build()));
        this.sourceSchema = maker.schema();
    }

    @Override
    public void process(Exchange exchange) {
        Message in = exchange.getIn();
        String topic = in.getHeader(DebeziumConstants.HEADER_IDENTIFIER, String.class);
        String op = in.getHeader(DebeziumConstants.HEADER_OPERATION, String.class);
        Struct after = in.getBody() instanceof Struct s ? s : null;
        Struct before = in.getHeader(DebeziumConstants.HEADER_BEFORE, Struct.class);
        Struct key = in.getHeader(DebeziumConstants.HEADER_KEY, Struct.class);
        @SuppressWarnings("unchecked")
        Map<String, Object> source = in.getHeader(DebeziumConstants.HEADER_SOURCE_METADATA, Map.class);
        Long timestamp = in.getHeader(DebeziumConstants.HEADER_TIMESTAMP, Long.class);

        Schema rowSchema = after != null ? after.schema() : before.schema();
        // a row schema is named after its topic, so it identifies the envelope
        Envelope envelope = envelopes.computeIfAbsent(rowSchema,
                k -> Envelope.defineSchema().withName(topic + ".Envelope").withRecord(rowSchema).withSource(sourceSchema).build());
        Struct sourceStruct = sourceStruct(source);
        Instant at = Instant.ofEpochMilli(timestamp != null ? timestamp : System.currentTimeMillis());
        Struct value = switch (op) {
            case "r" -> envelope.read(after, sourceStruct, at);
            case "c" -> envelope.create(after, sourceStruct, at);
            case "u" -> envelope.update(before, after, sourceStruct, at);
            case "d" -> envelope.delete(before, sourceStruct, at);
            default -> throw new IllegalArgumentException("Unsupported change event operation '" + op + "' on " + topic);
        };
        in.setBody(withSchema(envelope.schema(), values.fromConnectData(topic, envelope.schema(), value)));
        in.setHeader(KafkaConstants.KEY, key == null ? null : withSchema(key.schema(), keys.fromConnectData(topic, key.schema(), key)));
        in.setHeader(KafkaConstants.OVERRIDE_TOPIC, topic);
    }

    private Struct sourceStruct(Map<String, Object> source) {
        Struct struct = new Struct(sourceSchema);
        for (Field field : sourceSchema.fields()) {
            Object v = source == null ? null : source.get(field.name());
            if (v != null) {
                struct.put(field, v);
            }
        }
        return struct;
    }

    /** What JsonConverter writes with schemas enabled, {"schema": ..., "payload": ...}, with the schema part kept. */
    private String withSchema(Schema schema, byte[] payload) {
        String schemaPart = schemaJson.computeIfAbsent(schema, s -> {
            try {
                return JSON.writeValueAsString(schemas.asJsonSchema(s));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("Cannot write the schema " + s.name(), e);
            }
        });
        return "{\"schema\":" + schemaPart + ",\"payload\":" + new String(payload, StandardCharsets.UTF_8) + "}";
    }

    private static JsonConverter converter(boolean withSchemas, boolean isKey) {
        JsonConverter converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", String.valueOf(withSchemas)), isKey);
        return converter;
    }
}
