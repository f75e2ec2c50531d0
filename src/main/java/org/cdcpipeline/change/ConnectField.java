package org.cdcpipeline.change;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Base64;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One column of a row schema: its name, its Kafka Connect type (int32, string, bytes, ...) and, for a logical type,
 * the name saying how to read the value (org.apache.kafka.connect.data.Decimal, io.debezium.time.Date, ...).
 *
 * @param semanticName empty for a plain type
 * @param scale        a Decimal's scale (0 when not given or no Decimal)
 * @param precision    a Decimal's precision (38 when not given or no Decimal)
 */
public record ConnectField(String name, String type, String semanticName, int scale, int precision) {

    public static final String DECIMAL = "org.apache.kafka.connect.data.Decimal";

    static ConnectField of(JsonNode field) {
        JsonNode parameters = field.path("parameters");
        return new ConnectField(field.path("field").asText(), field.path("type").asText(), field.path("name").asText(""),
                Integer.parseInt(parameters.path("scale").asText("0")),
                Integer.parseInt(parameters.path("connect.decimal.precision").asText("38")));
    }

    public boolean isDecimal() {
        return DECIMAL.equals(semanticName);
    }

    /**
     * A Decimal's unscaled value as two's-complement bytes: JsonConverter writes it as base64 text (a JSON number when
     * configured with decimal.format=NUMERIC).
     *
     * @throws IllegalArgumentException the text is no base64
     */
    public static byte[] unscaledBytes(JsonNode value) {
        return value.isTextual() ? Base64.getDecoder().decode(value.asText())
                : value.decimalValue().unscaledValue().toByteArray();
    }

    /**
     * A Decimal column's value as a number, with this column's scale.
     *
     * @throws IllegalArgumentException the text is no base64
     */
    public BigDecimal decimal(JsonNode value) {
        return new BigDecimal(new BigInteger(unscaledBytes(value)), scale);
    }
}
