package org.cdcpipeline.cdc;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.debezium.config.Configuration;
import io.debezium.connector.postgresql.PostgresConnectorConfig;
import io.debezium.connector.postgresql.PostgresSourceInfoStructMaker;
import io.debezium.data.Envelope;
import io.debezium.schema.SchemaFactory;
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
 * <p>
 * The envelope is written field by field from the parts, as Debezium's {@link Envelope} would fill it: building and
 * validating an envelope struct per event only to write it cost more than the writing. Schemas are looked up by
 * identity first (Debezium keeps one instance per table schema): a Connect schema's hash and equality walk all of
 * its fields.
 */
public final class ChangeEventRecord implements Processor {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Snapshot read, create, update, delete: the operations {@link Envelope} makes envelopes of. */
    private static final Set<String> OPERATIONS = Set.of("r", "c", "u", "d");
    /** Bounds the identity caches: Debezium makes new schema instances after a reconnection or a schema change. */
    private static final int MAX_CACHED_INSTANCES = 256;

    /** Writes schemas; the same schema's JSON is kept, not written again for every event. */
    private final JsonConverter schemas = converter();
    private final Map<Schema, byte[]> schemaJson = new ConcurrentHashMap<>();
    private final Map<Schema, byte[]> schemaJsonByInstance = Collections.synchronizedMap(new IdentityHashMap<>());
    private final Schema sourceSchema;
    /**
     * Envelopes by row schema instance only: an envelope holds its row schema, and a row whose schema is that very
     * instance is written without a walk of both schemas (one made from an equal schema would not be the same).
     */
    private final Map<Schema, Schema> envelopesByInstance = Collections.synchronizedMap(new IdentityHashMap<>());
    /** Where each event's JSON is written before it is copied out at its size. */
    private final ThreadLocal<ByteArrayOutputStream> buffers = ThreadLocal.withInitial(() -> new ByteArrayOutputStream(8192));

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
        if (op == null || !OPERATIONS.contains(op)) {
            throw new IllegalArgumentException("Unsupported change event operation '" + op + "' on " + topic);
        }
        Schema envelope = envelope(topic, after != null ? after.schema() : before.schema());
        long at = timestamp != null ? timestamp : System.currentTimeMillis();
        in.setBody(withSchema(envelope, json -> writeEnvelope(json, envelope, op, before, after, source, at)));
        in.setHeader(KafkaConstants.KEY, key == null ? null
                : new String(withSchema(key.schema(), json -> ConnectJson.writeStruct(json, key.schema(), key)), StandardCharsets.UTF_8));
        in.setHeader(KafkaConstants.OVERRIDE_TOPIC, topic);
    }

    /**
     * The envelope schema of a row schema (named after its topic, so it identifies the envelope), as Debezium's
     * connectors define it: with the transaction block declared before the build, so it follows the source block
     * (before, after, source, transaction, op, ts_ms, ts_us, ts_ns), as in Debezium's own events.
     */
    private Schema envelope(String topic, Schema rowSchema) {
        return byInstance(envelopesByInstance, rowSchema, row -> Envelope.defineSchema().withName(topic + ".Envelope")
                .withRecord(row).withSource(sourceSchema).withTransaction(SchemaFactory.get().transactionBlockSchema())
                .build().schema());
    }

    /**
     * The envelope's fields in its schema's order, with the values {@link Envelope}'s {@code read}, {@code create},
     * {@code update} and {@code delete} give them (ChangeEventRecordTest holds the two to the same bytes).
     */
    private void writeEnvelope(JsonGenerator json, Schema envelope, String op, Struct before, Struct after,
            Map<String, Object> source, long at) throws IOException {
        json.writeStartObject();
        for (Field field : envelope.fields()) {
            json.writeFieldName(field.name());
            switch (field.name()) {
                case Envelope.FieldName.BEFORE -> ConnectJson.write(json, field.schema(), op.equals("u") || op.equals("d") ? before : null);
                case Envelope.FieldName.AFTER -> ConnectJson.write(json, field.schema(), op.equals("d") ? null : after);
                case Envelope.FieldName.SOURCE -> writeSource(json, source);
                case Envelope.FieldName.OPERATION -> json.writeString(op);
                case Envelope.FieldName.TIMESTAMP -> json.writeNumber(at);
                case Envelope.FieldName.TIMESTAMP_US -> json.writeNumber(at * 1_000L);
                case Envelope.FieldName.TIMESTAMP_NS -> json.writeNumber(at * 1_000_000L);
                default -> ConnectJson.write(json, field.schema(), null);
            }
        }
        json.writeEndObject();
    }

    /** The source block from camel-debezium's map of it: a missing entry as a field with no value. */
    private void writeSource(JsonGenerator json, Map<String, Object> source) throws IOException {
        json.writeStartObject();
        for (Field field : sourceSchema.fields()) {
            json.writeFieldName(field.name());
            ConnectJson.write(json, field.schema(), source == null ? null : source.get(field.name()));
        }
        json.writeEndObject();
    }

    private interface Payload {
        void write(JsonGenerator json) throws IOException;
    }

    /**
     * What JsonConverter writes with schemas enabled, {"schema": ..., "payload": ...}, as UTF-8: the schema part is
     * written once per schema and kept, the payload is written by {@link ConnectJson}.
     */
    private byte[] withSchema(Schema schema, Payload payload) {
        byte[] prefix = cached(schemaJsonByInstance, schemaJson, schema, s -> {
            try {
                return ("{\"schema\":" + JSON.writeValueAsString(schemas.asJsonSchema(s)) + ",\"payload\":")
                        .getBytes(StandardCharsets.UTF_8);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("Cannot write the schema " + s.name(), e);
            }
        });
        ByteArrayOutputStream out = buffers.get();
        out.reset();
        out.writeBytes(prefix);
        try (JsonGenerator json = JSON.getFactory().createGenerator(out)) {
            payload.write(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // writing to memory does not fail
        }
        out.write('}');
        return out.toByteArray();
    }

    /** A value per schema: by instance when seen before, else by equality (a walk of the whole schema). */
    private static <V> V cached(Map<Schema, V> byInstance, Map<Schema, V> byEquality, Schema schema,
            Function<Schema, V> make) {
        return byInstance(byInstance, schema, s -> byEquality.computeIfAbsent(s, make));
    }

    /** A value per schema instance, made once per instance. */
    private static <V> V byInstance(Map<Schema, V> byInstance, Schema schema, Function<Schema, V> make) {
        V value = byInstance.get(schema);
        if (value == null) {
            value = make.apply(schema);
            if (byInstance.size() >= MAX_CACHED_INSTANCES) {
                byInstance.clear();
            }
            byInstance.put(schema, value);
        }
        return value;
    }

    private static JsonConverter converter() {
        JsonConverter converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", "true"), false);
        return converter;
    }
}
