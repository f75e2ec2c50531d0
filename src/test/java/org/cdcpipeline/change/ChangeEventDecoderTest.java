package org.cdcpipeline.change;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Change events as Kafka Connect's JsonConverter writes them (as cdc-capture does), decoded for archive and aggregates. */
class ChangeEventDecoderTest {

    private static final String TOPIC = "dbserver1.public.projekty";
    private static final Schema ROW = SchemaBuilder.struct().name(TOPIC + ".Value")
            .field("id", Schema.INT32_SCHEMA)
            .field("status", Schema.OPTIONAL_STRING_SCHEMA)
            .field("budzet", Decimal.builder(2).optional().build())
            .optional().build();
    private static final Schema SOURCE = SchemaBuilder.struct().name("io.debezium.connector.postgresql.Source")
            .field("table", Schema.STRING_SCHEMA).field("ts_ms", Schema.INT64_SCHEMA)
            .field("lsn", Schema.OPTIONAL_INT64_SCHEMA).field("txId", Schema.OPTIONAL_INT64_SCHEMA).build();
    private static final Schema ENVELOPE = SchemaBuilder.struct().name(TOPIC + ".Envelope")
            .field("before", ROW).field("after", ROW).field("source", SOURCE).field("op", Schema.STRING_SCHEMA).build();

    private final ChangeEventDecoder decoder = new ChangeEventDecoder();

    @Test
    void shouldReadTheOperationTheSourceAndTheRowAfterTheChange() {
        ChangeEvent event = decoder.decode(event("u", null, row("w_trakcie", "1234.56"), "base64"));
        assertThat(event.op()).isEqualTo("u");
        assertThat(event.deleted()).isFalse();
        assertThat(event.sourceTsMs()).isEqualTo(1_741_899_497_088L);
        assertThat(event.lsn()).isEqualTo(24_949_288L);
        assertThat(event.txId()).isEqualTo(745L);
        assertThat(event.table()).isEqualTo("projekty");
        RowImage after = event.after();
        assertThat(after.value("status").asText()).isEqualTo("w_trakcie");
        assertThat(after.columnNames()).containsExactly("id", "status", "budzet");
        assertThat(after.schema().fields()).extracting(ConnectField::name).containsExactly("id", "status", "budzet");
        ConnectField budzet = after.field("budzet");
        assertThat(budzet.isDecimal()).isTrue();
        assertThat(budzet.scale()).isEqualTo(2);
        assertThat(budzet.decimal(after.value("budzet"))).isEqualTo(new BigDecimal("1234.56"));
        assertThat(after.field("status").isDecimal()).isFalse();
        assertThat(after.field("nazwa")).isNull();
        assertThat(after.value("nazwa")).isNull();
    }

    @Test
    void shouldReadTheRowBeforeADelete() {
        ChangeEvent event = decoder.decode(event("d", row("zamkniety", "1.00"), null, "base64"));
        assertThat(event.deleted()).isTrue();
        assertThat(event.row().value("status").asText()).isEqualTo("zamkniety");
        assertThat(event.after().value("status")).isNull();
    }

    @Test
    void shouldReadADecimalWrittenAsAJsonNumber() {
        RowImage after = decoder.decode(event("c", null, row("planowany", "-0.05"), "numeric")).after();
        assertThat(new BigInteger(ConnectField.unscaledBytes(after.value("budzet")))).isEqualTo(BigInteger.valueOf(-5));
    }

    @Test
    void shouldParseATablesSchemaOnceAndReadAnEventOfAnotherLayoutAlike() {
        String json = event("c", null, row("planowany", "1.00"), "base64");
        RowSchema first = decoder.decode(json).after().schema();
        assertThat(decoder.decode(event("u", null, row("w_trakcie", "2.00"), "base64")).after().schema()).isSameAs(first);
        // payload first, then the schema: read whole, to the same result
        int split = json.indexOf(",\"payload\":");
        String reordered = "{" + json.substring(split + 1, json.length() - 1) + "," + json.substring(1, split) + "}";
        ChangeEvent event = decoder.decode(reordered);
        assertThat(event.op()).isEqualTo("c");
        assertThat(event.after().field("budzet").decimal(event.after().value("budzet"))).isEqualTo(new BigDecimal("1.00"));
    }

    @Test
    void shouldRefuseWhatIsNoJsonAndSayWhenAnEventHasNoOperation() {
        assertThatThrownBy(() -> decoder.decode("not json")).isInstanceOf(ChangeEventFormatException.class)
                .hasMessageContaining("not a JSON change event");
        assertThatThrownBy(() -> decoder.decode("{\"schema\":{\"fields\":[,\"payload\":{}}"))
                .isInstanceOf(ChangeEventFormatException.class);
        ChangeEvent event = decoder.decode("{\"payload\":{\"op\":5}}");
        assertThat(event.op()).isNull();
        assertThat(event.sourceTsMs()).isNull();
        assertThat(event.after().field("id")).isNull();
        assertThatThrownBy(() -> ChangeEventDecoder.readKey("{\"id\":")).isInstanceOf(ChangeEventFormatException.class);
        assertThat(ChangeEventDecoder.readKey("{\"payload\":{\"id\":7}}").get("payload").toString()).isEqualTo("{\"id\":7}");
    }

    private static Struct row(String status, String budzet) {
        return new Struct(ROW).put("id", 7).put("status", status).put("budzet", new BigDecimal(budzet));
    }

    private static String event(String op, Struct before, Struct after, String decimalFormat) {
        Struct envelope = new Struct(ENVELOPE).put("before", before).put("after", after).put("op", op)
                .put("source", new Struct(SOURCE).put("table", "projekty").put("ts_ms", 1_741_899_497_088L)
                        .put("lsn", 24_949_288L).put("txId", 745L));
        JsonConverter converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", "true", "decimal.format", decimalFormat), false);
        return new String(converter.fromConnectData(TOPIC, ENVELOPE, envelope), StandardCharsets.UTF_8);
    }
}
