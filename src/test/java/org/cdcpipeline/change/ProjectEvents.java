package org.cdcpipeline.change;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;

/** Change events of a projekty table, written by Kafka Connect's JsonConverter with schemas as cdc-capture writes them. */
public final class ProjectEvents {

    public static final String TOPIC = "dbserver1.public.projekty";
    public static final long TS_MS = 1_741_899_497_088L;
    public static final long LSN = 24_949_288L;
    private static final Schema ROW = SchemaBuilder.struct().name(TOPIC + ".Value")
            .field("id", Schema.INT32_SCHEMA)
            .field("status", Schema.OPTIONAL_STRING_SCHEMA)
            .field("budzet", Decimal.builder(2).optional().build())
            .field("nazwa", Schema.OPTIONAL_STRING_SCHEMA)
            .optional().build();
    private static final Schema SOURCE = SchemaBuilder.struct().name("io.debezium.connector.postgresql.Source")
            .field("table", Schema.STRING_SCHEMA).field("ts_ms", Schema.INT64_SCHEMA)
            .field("lsn", Schema.OPTIONAL_INT64_SCHEMA).field("txId", Schema.OPTIONAL_INT64_SCHEMA).build();
    private static final Schema ENVELOPE = SchemaBuilder.struct().name(TOPIC + ".Envelope")
            .field("before", ROW).field("after", ROW).field("source", SOURCE).field("op", Schema.STRING_SCHEMA).build();

    private ProjectEvents() {
    }

    /** Project 7 with a status and a budget (either may be null). */
    public static Struct row(String status, String budzet) {
        return new Struct(ROW).put("id", 7).put("status", status).put("budzet", budzet == null ? null : new BigDecimal(budzet))
                .put("nazwa", "Projekt");
    }

    /** @param decimalFormat how Decimal columns are written: base64 (the default) or numeric */
    public static byte[] event(String op, Struct before, Struct after, String decimalFormat) {
        Struct envelope = new Struct(ENVELOPE).put("before", before).put("after", after).put("op", op)
                .put("source", new Struct(SOURCE).put("table", "projekty").put("ts_ms", TS_MS).put("lsn", LSN).put("txId", 745L));
        JsonConverter converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", "true", "decimal.format", decimalFormat), false);
        return converter.fromConnectData(TOPIC, ENVELOPE, envelope);
    }

    public static String text(byte[] event) {
        return new String(event, StandardCharsets.UTF_8);
    }
}
