package org.cdcpipeline.cdc;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.core.JsonGenerator;
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
 * schemas enabled (the same bytes; the schema part written once per schema), for the topic
 * {@code <prefix>.<schema>.<table>}. Existing consumers of that pipeline keep working. The value is UTF-8 bytes, as
 * it is published; the key is text.
 */
public final class ChangeEventRecord implements Processor {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Writes schemas; the same schema's JSON is kept, not written again for every event. */
    private final JsonConverter schemas = converter();
    private final Map<Schema, byte[]> schemaJson = new ConcurrentHashMap<>();
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
        in.setBody(withSchema(envelope.schema(), value));
        in.setHeader(KafkaConstants.KEY, key == null ? null : new String(withSchema(key.schema(), key), StandardCharsets.UTF_8));
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

    /**
     * What JsonConverter writes with schemas enabled, {"schema": ..., "payload": ...}, as UTF-8: the schema part is
     * written once per schema and kept, the payload is written by {@link ConnectJson}.
     */
    private byte[] withSchema(Schema schema, Struct payload) {
        byte[] prefix = schemaJson.computeIfAbsent(schema, s -> {
            try {
                return ("{\"schema\":" + JSON.writeValueAsString(schemas.asJsonSchema(s)) + ",\"payload\":")
                        .getBytes(StandardCharsets.UTF_8);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("Cannot write the schema " + s.name(), e);
            }
        });
        ByteArrayOutputStream out = new ByteArrayOutputStream(prefix.length + 512);
        out.writeBytes(prefix);
        try (JsonGenerator json = JSON.getFactory().createGenerator(out)) {
            ConnectJson.writeStruct(json, schema, payload);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // writing to memory does not fail
        }
        out.write('}');
        return out.toByteArray();
    }

    private static JsonConverter converter() {
        JsonConverter converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", "true"), false);
        return converter;
    }
}
