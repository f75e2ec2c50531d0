package org.cdcpipeline.cdc;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.Map;

import com.fasterxml.jackson.core.JsonGenerator;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;

/**
 * Writes Kafka Connect data as JSON text exactly as Kafka Connect's {@code JsonConverter} writes a payload with its
 * default settings (decimals as base64 of the unscaled value, dates, times and timestamps as numbers, a null replaced
 * by the field's default), but straight to a generator: {@code JsonConverter} first builds a tree of nodes for every
 * value, which was the largest share of capture's work per event. ConnectJsonTest holds the two to the same bytes.
 */
final class ConnectJson {

    private ConnectJson() {
    }

    static void write(JsonGenerator json, Schema schema, Object value) throws IOException {
        if (value == null) {
            if (schema.defaultValue() != null) {
                write(json, schema, schema.defaultValue());
            } else if (schema.isOptional()) {
                json.writeNull();
            } else {
                throw new DataException("Conversion error: null value for field that is required and has no default value");
            }
            return;
        }
        try {
            if (schema.name() != null && writeLogical(json, schema, value)) {
                return;
            }
            switch (schema.type()) {
                case INT8 -> json.writeNumber((Byte) value);
                case INT16 -> json.writeNumber((Short) value);
                case INT32 -> json.writeNumber((Integer) value);
                case INT64 -> json.writeNumber((Long) value);
                case FLOAT32 -> json.writeNumber((Float) value);
                case FLOAT64 -> json.writeNumber((Double) value);
                case BOOLEAN -> json.writeBoolean((Boolean) value);
                case STRING -> json.writeString(((CharSequence) value).toString());
                case BYTES -> json.writeBinary(bytes(value));
                case ARRAY -> {
                    json.writeStartArray();
                    for (Object element : (Collection<?>) value) {
                        write(json, schema.valueSchema(), element);
                    }
                    json.writeEndArray();
                }
                case MAP -> writeMap(json, schema, (Map<?, ?>) value);
                case STRUCT -> writeStruct(json, schema, (Struct) value);
            }
        } catch (ClassCastException e) {
            throw new DataException("Invalid type for " + schema.type() + ": " + value.getClass());
        }
    }

    /** The fields of a struct, in schema order; a field with no value as its default (as JsonConverter does). */
    static void writeStruct(JsonGenerator json, Schema schema, Struct struct) throws IOException {
        if (struct.schema() != schema && !struct.schema().equals(schema)) {
            throw new DataException("Mismatching schema.");
        }
        json.writeStartObject();
        for (Field field : schema.fields()) {
            json.writeFieldName(field.name());
            write(json, field.schema(), struct.getWithoutDefault(field.name()));
        }
        json.writeEndObject();
    }

    private static boolean writeLogical(JsonGenerator json, Schema schema, Object value) throws IOException {
        switch (schema.name()) {
            case Decimal.LOGICAL_NAME -> {
                if (!(value instanceof BigDecimal decimal)) {
                    throw new DataException("Invalid type for Decimal, expected BigDecimal but was " + value.getClass());
                }
                json.writeBinary(Decimal.fromLogical(schema, decimal));
            }
            case Date.LOGICAL_NAME -> json.writeNumber(Date.fromLogical(schema, date(value, "Date")));
            case Time.LOGICAL_NAME -> json.writeNumber(Time.fromLogical(schema, date(value, "Time")));
            case Timestamp.LOGICAL_NAME -> json.writeNumber(Timestamp.fromLogical(schema, date(value, "Timestamp")));
            default -> {
                return false;
            }
        }
        return true;
    }

    /** String keys make an object; any other key type an array of [key, value] pairs. */
    private static void writeMap(JsonGenerator json, Schema schema, Map<?, ?> map) throws IOException {
        boolean objectMode = schema.keySchema().type() == Schema.Type.STRING;
        if (objectMode) {
            json.writeStartObject();
        } else {
            json.writeStartArray();
        }
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            if (objectMode) {
                json.writeFieldName(String.valueOf(entry.getKey()));
                write(json, schema.valueSchema(), entry.getValue());
            } else {
                json.writeStartArray();
                write(json, schema.keySchema(), entry.getKey());
                write(json, schema.valueSchema(), entry.getValue());
                json.writeEndArray();
            }
        }
        if (objectMode) {
            json.writeEndObject();
        } else {
            json.writeEndArray();
        }
    }

    private static byte[] bytes(Object value) {
        if (value instanceof byte[] bytes) {
            return bytes;
        }
        if (value instanceof ByteBuffer buffer) {
            return buffer.array(); // the whole backing array, as JsonConverter writes it
        }
        throw new DataException("Invalid type for bytes type: " + value.getClass());
    }

    private static java.util.Date date(Object value, String type) {
        if (!(value instanceof java.util.Date date)) {
            throw new DataException("Invalid type for " + type + ", expected Date but was " + value.getClass());
        }
        return date;
    }
}
