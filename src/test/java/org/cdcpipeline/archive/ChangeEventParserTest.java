package org.cdcpipeline.archive;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.List;

import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ChangeEventParserTest {

    private static final String ROW_SCHEMA = "{\"type\":\"struct\",\"optional\":true,\"name\":\"p.s.t.Value\",\"field\":\"%s\",\"fields\":["
            + "{\"type\":\"int32\",\"optional\":false,\"field\":\"id\"},"
            + "{\"type\":\"int16\",\"optional\":true,\"field\":\"mala\"},"
            + "{\"type\":\"int64\",\"optional\":true,\"field\":\"duza\"},"
            + "{\"type\":\"bytes\",\"optional\":true,\"name\":\"org.apache.kafka.connect.data.Decimal\",\"version\":1,"
            + "\"parameters\":{\"scale\":\"2\",\"connect.decimal.precision\":\"12\"},\"field\":\"kwota\"},"
            + "{\"type\":\"string\",\"optional\":true,\"field\":\"opis\"},"
            + "{\"type\":\"boolean\",\"optional\":true,\"field\":\"aktywny\"},"
            + "{\"type\":\"int32\",\"optional\":true,\"name\":\"io.debezium.time.Date\",\"version\":1,\"field\":\"dzien\"},"
            + "{\"type\":\"int64\",\"optional\":true,\"name\":\"io.debezium.time.MicroTimestamp\",\"version\":1,\"field\":\"chwila\"},"
            + "{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.time.ZonedTimestamp\",\"version\":1,\"field\":\"moment\"},"
            + "{\"type\":\"double\",\"optional\":true,\"field\":\"ulamek\"}]}";
    private static final String SCHEMA = "{\"type\":\"struct\",\"name\":\"p.s.t.Envelope\",\"fields\":[" + ROW_SCHEMA.formatted("before")
            + "," + ROW_SCHEMA.formatted("after") + ",{\"type\":\"struct\",\"fields\":[],\"field\":\"source\"},"
            + "{\"type\":\"string\",\"field\":\"op\"}]}";
    private static final String ROW = "{\"id\":7,\"mala\":12,\"duza\":9000000000,\"kwota\":\"AeJA\",\"opis\":\"zażółć\","
            + "\"aktywny\":true,\"dzien\":20161,\"chwila\":1741947330123456,\"moment\":\"2025-03-14T09:15:30.000000Z\",\"ulamek\":2.5}";
    private static final String SOURCE = "{\"table\":\"t\",\"lsn\":24949288,\"txId\":745,\"ts_ms\":1741899497088}";

    private final ChangeEventParser parser = new ChangeEventParser();

    @Test
    void shouldTypeEachColumnFromTheDebeziumSchema() {
        ArchivedChange change = parse("p.s.t", 0, 5, "{\"schema\":{},\"payload\":{\"id\":7}}", event("c", "null", ROW));
        List<String> names = change.columns().stream().map(ArchivedChange.Column::name).toList();
        assertThat(names).containsExactly("id", "mala", "duza", "kwota", "opis", "aktywny", "dzien", "chwila", "moment", "ulamek");
        Schema kwota = change.columns().get(3).type();
        assertThat(kwota.getLogicalType()).isEqualTo(LogicalTypes.decimal(12, 2));
        assertThat(change.columns().get(6).type().getLogicalType()).isEqualTo(LogicalTypes.date());
        assertThat(change.columns().get(7).type().getLogicalType()).isEqualTo(LogicalTypes.localTimestampMicros());
        assertThat(change.columns().get(8).type().getLogicalType()).isEqualTo(LogicalTypes.timestampMicros());
        assertThat(change.columns().get(9).type().getType()).isEqualTo(Schema.Type.DOUBLE);

        Object[] v = change.values();
        assertThat(v[0]).isEqualTo(7);
        assertThat(v[1]).isEqualTo(12);
        assertThat(v[2]).isEqualTo(9_000_000_000L);
        assertThat(ChangeEventParser.decimal((ByteBuffer) v[3], 2)).isEqualTo(new BigDecimal("1234.56"));
        assertThat(v[4]).isEqualTo("zażółć");
        assertThat(v[5]).isEqualTo(true);
        assertThat(v[6]).isEqualTo(20161);
        assertThat(v[7]).isEqualTo(1741947330123456L);
        assertThat(v[8]).isEqualTo(1741943730000000L);
        assertThat(v[9]).isEqualTo(2.5);
        assertThat(change.lsn()).isEqualTo(24949288L);
        assertThat(change.txId()).isEqualTo(745L);
        assertThat(change.sourceTsMs()).isEqualTo(1741899497088L);
        assertThat(change.table()).isEqualTo("t");
        assertThat(change.identity()).isEqualTo("{\"id\":7}|24949288");
    }

    @Test
    void shouldKeepTheBeforeImageOfADelete() {
        ArchivedChange change = parse("p.s.t", 0, 6, null, event("d", ROW, "null"));
        assertThat(change.deleted()).isTrue();
        assertThat(change.values()[0]).isEqualTo(7);
        assertThat(change.values()[4]).isEqualTo("zażółć");
    }

    @Test
    void shouldSkipTombstonesAndRefuseRecordsThatAreNoChangeEvents() {
        assertThat(parse("p.s.t", 0, 7, "{\"id\":7}", null)).isNull();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> parse("p.s.t", 0, 8, null, "not json"))
                .isInstanceOf(UnreadableChangeException.class).hasMessageContaining("p.s.t-0@8");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> parse("p.s.t", 0, 9, null, "{\"payload\":{}}"))
                .isInstanceOf(UnreadableChangeException.class).hasMessageContaining("no payload.op");
    }

    private static String event(String op, String before, String after) {
        return "{\"schema\":" + SCHEMA + ",\"payload\":{\"before\":" + before + ",\"after\":" + after + ",\"source\":" + SOURCE
                + ",\"op\":\"" + op + "\",\"ts_ms\":1741899497103}}";
    }

    /** {@link ChangeEventParser#parse} of a record whose key and value are given as text. */
    private ArchivedChange parse(String topic, int partition, long offset, String key, String value) {
        return parser.parse(topic, partition, offset, key == null ? null : key.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                value == null ? null : java.nio.ByteBuffer.wrap(value.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
}
