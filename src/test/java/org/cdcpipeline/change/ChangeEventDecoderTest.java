package org.cdcpipeline.change;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.List;

import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.cdcpipeline.change.ProjectEvents.row;

/** Change events as Kafka Connect's JsonConverter writes them (as cdc-capture does), decoded for archive and aggregates. */
class ChangeEventDecoderTest {

    private final ChangeEventDecoder decoder = new ChangeEventDecoder();

    @Test
    void shouldReadTheOperationTheSourceAndTheRowAfterTheChange() {
        ChangeEvent event = decode(event("u", null, row("w_trakcie", "1234.56"), "base64"));
        assertThat(event.op()).isEqualTo("u");
        assertThat(event.deleted()).isFalse();
        assertThat(event.sourceTsMs()).isEqualTo(ProjectEvents.TS_MS);
        assertThat(event.lsn()).isEqualTo(ProjectEvents.LSN);
        assertThat(event.txId()).isEqualTo(745L);
        assertThat(event.table()).isEqualTo("projekty");
        RowImage after = event.after();
        assertThat(after.value("status").asText()).isEqualTo("w_trakcie");
        assertThat(after.columnNames()).containsExactly("id", "status", "budzet", "nazwa");
        assertThat(after.schema().fields()).extracting(ConnectField::name).containsExactly("id", "status", "budzet", "nazwa");
        ConnectField budzet = after.field("budzet");
        assertThat(budzet.isDecimal()).isTrue();
        assertThat(budzet.scale()).isEqualTo(2);
        assertThat(budzet.decimal(after.value("budzet"))).isEqualTo(new BigDecimal("1234.56"));
        assertThat(after.field("status").isDecimal()).isFalse();
        assertThat(after.field("opis")).isNull();
        assertThat(after.value("opis")).isNull();
    }

    @Test
    void shouldReadTheRowBeforeADelete() {
        ChangeEvent event = decode(event("d", row("zamkniety", "1.00"), null, "base64"));
        assertThat(event.deleted()).isTrue();
        assertThat(event.row().value("status").asText()).isEqualTo("zamkniety");
        assertThat(event.after().value("status")).isNull();
    }

    @Test
    void shouldReadADecimalWrittenAsAJsonNumber() {
        RowImage after = decode(event("c", null, row("planowany", "-0.05"), "numeric")).after();
        assertThat(new BigInteger(ConnectField.unscaledBytes(after.value("budzet")))).isEqualTo(BigInteger.valueOf(-5));
    }

    @Test
    void shouldParseATablesSchemaOnceAndReadAnEventOfAnotherLayoutAlike() {
        String json = event("c", null, row("planowany", "1.00"), "base64");
        RowSchema first = decode(json).after().schema();
        assertThat(decode(event("u", null, row("w_trakcie", "2.00"), "base64")).after().schema()).isSameAs(first);
        // payload first, then the schema: read whole, to the same result
        int split = json.indexOf(",\"payload\":");
        String reordered = "{" + json.substring(split + 1, json.length() - 1) + "," + json.substring(1, split) + "}";
        ChangeEvent event = decode(reordered);
        assertThat(event.op()).isEqualTo("c");
        assertThat(event.after().field("budzet").decimal(event.after().value("budzet"))).isEqualTo(new BigDecimal("1.00"));
    }

    @Test
    void shouldReadEventsOfTwoTablesInterleavedEachWithItsOwnSchema() {
        String projects = event("c", null, row("planowany", "1.00"), "base64");
        // another table: the same payload under a schema with one more (optional) column
        String id = "{\"type\":\"int32\",\"optional\":false,\"field\":\"id\"}";
        String other = projects.replace(id, "{\"type\":\"string\",\"optional\":true,\"field\":\"extra\"}," + id);
        assertThat(other).isNotEqualTo(projects);
        RowSchema first = decode(projects).after().schema();
        for (int i = 0; i < 3; i++) {
            assertThat(decode(other).after().field("extra")).isNotNull();
            assertThat(decode(projects).after().schema()).isSameAs(first);
            assertThat(decode(projects).after().field("extra")).isNull();
        }
    }

    @Test
    void shouldRefuseWhatIsNoJsonAndSayWhenAnEventHasNoOperation() {
        assertThatThrownBy(() -> decode("not json")).isInstanceOf(ChangeEventFormatException.class)
                .hasMessageContaining("not a JSON change event");
        assertThatThrownBy(() -> decode("{\"schema\":{\"fields\":[,\"payload\":{}}"))
                .isInstanceOf(ChangeEventFormatException.class);
        ChangeEvent event = decode("{\"payload\":{\"op\":5}}");
        assertThat(event.op()).isNull();
        assertThat(event.sourceTsMs()).isNull();
        assertThat(event.after().field("id")).isNull();
        assertThatThrownBy(() -> ChangeEventDecoder.readKey(utf8("{\"id\":"))).isInstanceOf(ChangeEventFormatException.class);
        assertThat(ChangeEventDecoder.readKey(utf8("{\"payload\":{\"id\":7}}")).get("payload").toString()).isEqualTo("{\"id\":7}");
    }

    @Test
    void shouldReadUtf8AndRefuseBytesThatAreNoUtf8() {
        String json = event("u", null, row("zażółć", "1234.56"), "base64");
        RowSchema first = decode(json).after().schema();
        assertThat(decode(json).after().schema()).as("the schema text recognised in place").isSameAs(first);
        assertThat(decode(json).after().value("status").asText()).isEqualTo("zażółć");
        byte[] latin2 = json.getBytes(java.nio.charset.Charset.forName("ISO-8859-2"));
        assertThatThrownBy(() -> decoder.decode(latin2)).as("schema known, payload no UTF-8")
                .isInstanceOf(ChangeEventFormatException.class);
        byte[] badSchema = json.replace("\"optional\"", "\"opt\u00f3onal\"").getBytes(java.nio.charset.Charset.forName("ISO-8859-2"));
        assertThatThrownBy(() -> new ChangeEventDecoder().decode(badSchema)).as("schema no UTF-8")
                .isInstanceOf(ChangeEventFormatException.class);
        assertThatThrownBy(() -> decode("{\"schema\":{},\"payload\":}")).isInstanceOf(ChangeEventFormatException.class);
    }

    @Test
    void shouldReadEveryKindOfValueAsATreeOfThePayloadHoldsIt() throws Exception {
        String after = "{\"i\":1,\"l\":12345678901,\"big\":123456789012345678901234567890,\"d\":1.5,\"t\":true,"
                + "\"f\":false,\"n\":null,\"s\":\"za\\\"\u017c\u00f3\u0142\u0107\",\"a\":[1,[2]],\"o\":{\"k\":{\"v\":[]}},\"dup\":1,\"dup\":2}";
        String payload = "{\"before\":null,\"after\":" + after + ",\"source\":{\"version\":\"3.4\",\"extra\":{\"x\":[1]},"
                + "\"ts_ms\":1741899497088,\"lsn\":24949288.0,\"txId\":null,\"table\":\"t\"},\"op\":\"c\","
                + "\"transaction\":{\"id\":\"1\"},\"ts_ms\":1}";
        String schema = "{\"type\":\"struct\",\"fields\":[{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\","
                + "\"optional\":false,\"field\":\"i\"}],\"optional\":true,\"field\":\"after\"}],\"optional\":false}";
        com.fasterxml.jackson.databind.JsonNode tree = new com.fasterxml.jackson.databind.ObjectMapper().readTree(after);
        ChangeEventDecoder fresh = new ChangeEventDecoder();
        for (String json : List.of("{\"schema\":" + schema + ",\"payload\":" + payload + "}", // the schema read once, then known
                "{\"schema\":" + schema + ",\"payload\":" + payload + "}", "{\"payload\":" + payload + "}")) {
            ChangeEvent event = fresh.decode(utf8(json));
            assertThat(event.op()).isEqualTo("c");
            assertThat(event.sourceTsMs()).isEqualTo(1741899497088L);
            assertThat(event.lsn()).isEqualTo(24949288L);
            assertThat(event.txId()).isNull();
            assertThat(event.table()).isEqualTo("t");
            tree.fieldNames().forEachRemaining(column ->
                    assertThat(event.after().value(column)).as(column).isEqualTo(tree.get(column)));
            assertThat(event.after().value("dup").asInt()).isEqualTo(2);
            assertThat(event.after().value("missing")).isNull();
            assertThat(event.row().value("s").asText()).isEqualTo("za\"\u017c\u00f3\u0142\u0107");
        }
    }

    @Test
    void shouldReadAKeysPayloadAlikeWhetherItsSchemaWasSeenBeforeOrNot() {
        String schema = "{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,\"field\":\"id\"}],"
                + "\"optional\":false,\"name\":\"p.s.t.Key\"}";
        // a parameter named payload puts ,"payload": inside the schema part: read whole every time
        String tricky = "{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,\"name\":"
                + "\"io.debezium.data.Enum\",\"parameters\":{\"allowed\":\"a\",\"payload\":\"x\"},\"field\":\"id\"}],"
                + "\"optional\":false,\"name\":\"p.s.u.Key\"}";
        ChangeEventDecoder keys = new ChangeEventDecoder();
        for (int i = 0; i < 3; i++) {
            assertThat(keys.keyPayload(utf8("{\"schema\":" + schema + ",\"payload\":{\"id\":" + i + "}}")).toString())
                    .isEqualTo("{\"id\":" + i + "}");
            assertThat(keys.keyPayload(utf8("{\"schema\":" + tricky + ",\"payload\":{\"id\":\"a" + i + "\"}}")).toString())
                    .isEqualTo("{\"id\":\"a" + i + "\"}");
        }
        assertThat(keys.keyPayload(utf8("{\"id\":7}"))).as("no payload").isNull();
        assertThatThrownBy(() -> keys.keyPayload(utf8("{\"schema\":" + schema + ",\"payload\":{\"id\":}")))
                .isInstanceOf(ChangeEventFormatException.class);
    }

    @Test
    void shouldReadAValueInPlaceFromAViewOfALargerBuffer() {
        String json = event("u", null, row("w_trakcie", "1234.56"), "base64");
        ChangeEvent whole = decode(json);
        for (String value : List.of(json, json, "{\"payload\":" + json.substring(json.indexOf("\"payload\":") + 10))) {
            // as Kafka hands a record over: a slice of the fetched bytes, with other records on both sides
            byte[] fetched = utf8("{\"other\":1}" + value + "{\"next\":2}");
            ByteBuffer view = ByteBuffer.wrap(fetched, 11, fetched.length - 11 - 10).slice();
            ChangeEvent read = decoder.decode(view);
            assertThat(read.op()).isEqualTo(whole.op());
            assertThat(read.lsn()).isEqualTo(whole.lsn());
            assertThat(read.after().value("budzet")).isEqualTo(whole.after().value("budzet"));
            assertThat(view.position()).isZero();
            assertThat(ChangeEventDecoder.bytesOf(view)).isEqualTo(utf8(value));
            ByteBuffer direct = ByteBuffer.allocateDirect(view.remaining()).put(view.duplicate()).flip();
            assertThat(decoder.decode(direct).after().value("status")).isEqualTo(whole.after().value("status"));
        }
        assertThatThrownBy(() -> decoder.decode(ByteBuffer.wrap(utf8(json), 0, json.length() - 1).slice()))
                .isInstanceOf(ChangeEventFormatException.class);
    }

    private ChangeEvent decode(String json) {
        return decoder.decode(utf8(json));
    }

    private static byte[] utf8(String text) {
        return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static String event(String op, Struct before, Struct after, String decimalFormat) {
        return ProjectEvents.text(ProjectEvents.event(op, before, after, decimalFormat));
    }
}
