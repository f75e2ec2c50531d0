package org.cdcpipeline.cdc;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.apache.camel.component.debezium.DebeziumConstants;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

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
}
