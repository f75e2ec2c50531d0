package org.cdcpipeline.cdc;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.debezium.config.Configuration;
import io.debezium.connector.postgresql.PostgresConnectorConfig;
import io.debezium.connector.postgresql.PostgresSourceInfoStructMaker;
import io.debezium.data.Envelope;
import io.debezium.schema.SchemaFactory;
import org.apache.camel.Exchange;
import org.apache.camel.component.debezium.DebeziumConstants;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChangeEventRecordTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Schema KEY = SchemaBuilder.struct().name("dbserver1.public.klienci.Key")
            .field("id", Schema.INT32_SCHEMA).build();
    private static final Schema ROW = SchemaBuilder.struct().name("dbserver1.public.klienci.Value")
            .field("id", Schema.INT32_SCHEMA).field("nazwa", Schema.STRING_SCHEMA)
            .field("kraj", Schema.OPTIONAL_STRING_SCHEMA).optional().build(); // as Debezium makes row schemas

    @Test
    void shouldWriteKeyAndValueAsKafkaConnectsJsonConverterDoes() throws Exception {
        Struct key = new Struct(KEY).put("id", 1);
        Struct after = new Struct(ROW).put("id", 1).put("nazwa", "Firma X").put("kraj", "Polska");
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.getIn().setBody(after);
        exchange.getIn().setHeader(DebeziumConstants.HEADER_IDENTIFIER, "dbserver1.public.klienci");
        exchange.getIn().setHeader(DebeziumConstants.HEADER_OPERATION, "c");
        exchange.getIn().setHeader(DebeziumConstants.HEADER_KEY, key);
        exchange.getIn().setHeader(DebeziumConstants.HEADER_TIMESTAMP, 1741899497103L);
        Map<String, Object> source = new HashMap<>(Map.of("version", "3.4.0.Final", "connector", "postgresql",
                "name", "dbserver1", "ts_ms", 1741899497088L, "snapshot", "false", "db", "postgres",
                "schema", "public", "table", "klienci", "txId", 745L, "lsn", 24949288L));
        exchange.getIn().setHeader(DebeziumConstants.HEADER_SOURCE_METADATA, source);

        new ChangeEventRecord("dbserver1").process(exchange);

        JsonConverter connect = new JsonConverter();
        connect.configure(Map.of("schemas.enable", "true"), false);
        JsonNode expectedKey = JSON.readTree(new String(connect.fromConnectData("t", KEY, key), StandardCharsets.UTF_8));
        assertThat(JSON.readTree(exchange.getIn().getHeader(KafkaConstants.KEY, String.class))).isEqualTo(expectedKey);
        assertThat(exchange.getIn().getHeader(KafkaConstants.OVERRIDE_TOPIC)).isEqualTo("dbserver1.public.klienci");

        // the value is the bytes JsonConverter writes for the envelope it describes
        byte[] written = exchange.getIn().getBody(byte[].class);
        SchemaAndValue envelope = connect.toConnectData("t", written);
        assertThat(new String(written, StandardCharsets.UTF_8))
                .isEqualTo(new String(connect.fromConnectData("t", envelope.schema(), envelope.value()), StandardCharsets.UTF_8));
        JsonNode value = JSON.readTree(written);
        assertThat(value.fieldNames()).toIterable().containsExactly("schema", "payload");
        assertThat(value.at("/schema/name").asText()).isEqualTo("dbserver1.public.klienci.Envelope");
        assertThat(value.at("/payload/op").asText()).isEqualTo("c");
        assertThat(value.at("/payload/before").isNull()).isTrue();
        assertThat(value.at("/payload/after/nazwa").asText()).isEqualTo("Firma X");
        assertThat(value.at("/payload/source/lsn").asLong()).isEqualTo(24949288L);
        assertThat(value.at("/payload/source/txId").asLong()).isEqualTo(745L);
        assertThat(value.at("/payload/ts_ms").asLong()).isEqualTo(1741899497103L);
    }

    @ParameterizedTest
    @ValueSource(strings = {"r", "c", "u", "d"})
    void shouldWriteTheBytesJsonConverterWritesForDebeziumsEnvelope(String op) {
        Struct before = new Struct(ROW).put("id", 1).put("nazwa", "Firma X").put("kraj", null);
        Struct after = new Struct(ROW).put("id", 1).put("nazwa", "Firma Y").put("kraj", "Niemcy");
        Map<String, Object> source = new HashMap<>(Map.of("version", "3.4.0.Final", "connector", "postgresql",
                "name", "dbserver1", "ts_ms", 1741899497088L, "snapshot", "false", "db", "postgres",
                "schema", "public", "table", "klienci", "txId", 745L, "lsn", 24949288L));
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.getIn().setBody(op.equals("d") ? null : after);
        exchange.getIn().setHeader(DebeziumConstants.HEADER_BEFORE, op.equals("u") || op.equals("d") ? before : null);
        exchange.getIn().setHeader(DebeziumConstants.HEADER_IDENTIFIER, "dbserver1.public.klienci");
        exchange.getIn().setHeader(DebeziumConstants.HEADER_OPERATION, op);
        exchange.getIn().setHeader(DebeziumConstants.HEADER_KEY, new Struct(KEY).put("id", 1));
        exchange.getIn().setHeader(DebeziumConstants.HEADER_TIMESTAMP, 1741899497103L);
        exchange.getIn().setHeader(DebeziumConstants.HEADER_SOURCE_METADATA, source);

        ChangeEventRecord record = new ChangeEventRecord("dbserver1");
        record.process(exchange);

        PostgresSourceInfoStructMaker maker = new PostgresSourceInfoStructMaker();
        maker.init("postgresql", io.debezium.connector.postgresql.Module.version(), new PostgresConnectorConfig(
                Configuration.create().with("topic.prefix", "dbserver1").with("database.hostname", "localhost")
                        .with("database.dbname", "postgres").build()));
        Struct sourceStruct = new Struct(maker.schema());
        source.forEach(sourceStruct::put);
        // as Debezium's TableSchemaBuilder defines a table's envelope
        Envelope envelope = Envelope.defineSchema().withName("dbserver1.public.klienci.Envelope").withRecord(ROW)
                .withSource(maker.schema()).withTransaction(SchemaFactory.get().transactionBlockSchema()).build();
        assertThat(envelope.schema().fields()).extracting(Field::name)
                .containsExactly("before", "after", "source", "transaction", "op", "ts_ms", "ts_us", "ts_ns");
        Instant at = Instant.ofEpochMilli(1741899497103L);
        Struct expected = switch (op) {
            case "r" -> envelope.read(after, sourceStruct, at);
            case "c" -> envelope.create(after, sourceStruct, at);
            case "u" -> envelope.update(before, after, sourceStruct, at);
            default -> envelope.delete(before, sourceStruct, at);
        };
        JsonConverter connect = new JsonConverter();
        connect.configure(Map.of("schemas.enable", "true"), false);
        assertThat(new String(exchange.getIn().getBody(byte[].class), StandardCharsets.UTF_8))
                .isEqualTo(new String(connect.fromConnectData("t", envelope.schema(), expected), StandardCharsets.UTF_8));

        // a second event of the same table, through the cached schema parts
        exchange.getIn().setHeader(DebeziumConstants.HEADER_SOURCE_METADATA, source);
        exchange.getIn().setBody(op.equals("d") ? null : after);
        record.process(exchange);
        assertThat(new String(exchange.getIn().getBody(byte[].class), StandardCharsets.UTF_8))
                .isEqualTo(new String(connect.fromConnectData("t", envelope.schema(), expected), StandardCharsets.UTF_8));
    }

    @Test
    void shouldRefuseAnUnknownOperation() {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.getIn().setBody(new Struct(ROW).put("id", 1).put("nazwa", "Firma X"));
        exchange.getIn().setHeader(DebeziumConstants.HEADER_IDENTIFIER, "dbserver1.public.klienci");
        exchange.getIn().setHeader(DebeziumConstants.HEADER_OPERATION, "t");

        assertThatThrownBy(() -> new ChangeEventRecord("dbserver1").process(exchange))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'t'");
    }
}
