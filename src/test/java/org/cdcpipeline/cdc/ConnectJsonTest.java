package org.cdcpipeline.cdc;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.json.JsonConverter;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConnectJsonTest {

    private static final Schema NESTED = SchemaBuilder.struct().name("nested").optional()
            .field("a", Schema.INT32_SCHEMA).field("b", Schema.OPTIONAL_STRING_SCHEMA).build();
    private static final Schema ROW = SchemaBuilder.struct().name("dbserver1.public.everything.Value")
            .field("int8", Schema.INT8_SCHEMA)
            .field("int16", Schema.INT16_SCHEMA)
            .field("int32", Schema.INT32_SCHEMA)
            .field("int64", Schema.INT64_SCHEMA)
            .field("float32", Schema.FLOAT32_SCHEMA)
            .field("float64", Schema.FLOAT64_SCHEMA)
            .field("nan", Schema.FLOAT64_SCHEMA)
            .field("bool", Schema.BOOLEAN_SCHEMA)
            .field("text", Schema.STRING_SCHEMA)
            .field("bytes", Schema.BYTES_SCHEMA)
            .field("buffer", Schema.BYTES_SCHEMA)
            .field("decimal", Decimal.builder(2).optional().build())
            .field("date", Date.builder().optional().build())
            .field("time", Time.builder().optional().build())
            .field("timestamp", Timestamp.builder().optional().build())
            // Debezium's own temporal types are named but not logical: written as their base type
            .field("micros", SchemaBuilder.int64().name("io.debezium.time.MicroTimestamp").optional().build())
            .field("array", SchemaBuilder.array(Schema.OPTIONAL_INT32_SCHEMA).optional().build())
            .field("textMap", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT64_SCHEMA).optional().build())
            .field("intMap", SchemaBuilder.map(Schema.INT32_SCHEMA, Schema.OPTIONAL_STRING_SCHEMA).optional().build())
            .field("nested", NESTED)
            .field("missing", Schema.OPTIONAL_STRING_SCHEMA)
            .field("defaulted", SchemaBuilder.string().defaultValue("fallback").build())
            .optional().build();

    @Test
    void shouldWriteTheBytesJsonConverterWrites() throws Exception {
        Map<String, Long> textMap = new LinkedHashMap<>();
        textMap.put("x", 1L);
        textMap.put("y", -2L);
        Map<Integer, String> intMap = new LinkedHashMap<>();
        intMap.put(7, "seven");
        intMap.put(8, null);
        Struct row = new Struct(ROW)
                .put("int8", (byte) -8).put("int16", (short) 1600).put("int32", 32).put("int64", Long.MIN_VALUE)
                .put("float32", 3.25f).put("float64", 0.1 + 0.2).put("nan", Double.NaN).put("bool", true)
                .put("text", "Zażółć \"gęślą\" jaźń \\ \n\t\u0001 😀")
                .put("bytes", new byte[] {0, 1, (byte) 0xff})
                .put("buffer", ByteBuffer.wrap(new byte[] {5, 6, 7}))
                .put("decimal", new BigDecimal("-12345.67"))
                .put("date", Date.toLogical(Date.SCHEMA, 20_000))
                .put("time", Time.toLogical(Time.SCHEMA, 45_296_789))
                .put("timestamp", new java.util.Date(1_741_899_497_103L))
                .put("micros", 1_741_899_497_103_123L)
                .put("array", java.util.Arrays.asList(1, null, 3))
                .put("textMap", textMap).put("intMap", intMap)
                .put("nested", new Struct(NESTED).put("a", 1));

        assertThat(written(ROW, row)).isEqualTo(converted(ROW, row));
        assertThat(written(ROW, null)).isEqualTo(converted(ROW, null));
    }

    @Test
    void shouldRefuseWhatJsonConverterRefuses() {
        Schema required = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).build();
        Struct noId = new Struct(required);
        assertThatThrownBy(() -> written(required, noId)).isInstanceOf(DataException.class).hasMessageContaining("required");
        Schema other = SchemaBuilder.struct().field("id", Schema.INT64_SCHEMA).build();
        assertThatThrownBy(() -> written(other, new Struct(required).put("id", 1)))
                .isInstanceOf(DataException.class).hasMessageContaining("Mismatching schema");
        assertThatThrownBy(() -> written(Schema.INT32_SCHEMA, "one"))
                .isInstanceOf(DataException.class).hasMessageContaining("INT32");
    }

    private static String written(Schema schema, Object value) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator json = new JsonFactory().createGenerator(out)) {
            ConnectJson.write(json, schema, value);
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static String converted(Schema schema, Object value) {
        JsonConverter converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", "false"), false);
        byte[] bytes = converter.fromConnectData("t", schema, value);
        return bytes == null ? "null" : new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }
}
