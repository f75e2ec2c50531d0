package org.cdcpipeline.bench;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;

/**
 * Change events of a klienci-like table, and of a projekty-like table pointing to it, in the shape the cdc-capture route
 * writes (Kafka Connect JSON with schemas).
 */
final class ChangeEvents {

    private static final String TOPIC = "bench.bench.klienci";
    private static final Schema ROW = SchemaBuilder.struct().name(TOPIC + ".Value").optional()
            .field("id", Schema.INT32_SCHEMA).field("nazwa", Schema.STRING_SCHEMA)
            .field("kraj", Schema.OPTIONAL_STRING_SCHEMA).build();
    private static final Schema SOURCE = SchemaBuilder.struct().name("io.debezium.connector.postgresql.Source")
            .field("version", Schema.STRING_SCHEMA).field("connector", Schema.STRING_SCHEMA).field("name", Schema.STRING_SCHEMA)
            .field("ts_ms", Schema.INT64_SCHEMA).field("db", Schema.STRING_SCHEMA).field("schema", Schema.STRING_SCHEMA)
            .field("table", Schema.STRING_SCHEMA).field("txId", Schema.OPTIONAL_INT64_SCHEMA).field("lsn", Schema.OPTIONAL_INT64_SCHEMA)
            .build();
    private static final Schema ENVELOPE = SchemaBuilder.struct().name(TOPIC + ".Envelope")
            .field("before", ROW).field("after", ROW).field("source", SOURCE).field("op", Schema.STRING_SCHEMA)
            .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA).build();
    static final String PROJECTS_TOPIC = "bench.bench.projekty";
    private static final Schema PROJECT = SchemaBuilder.struct().name(PROJECTS_TOPIC + ".Value").optional()
            .field("id", Schema.INT32_SCHEMA).field("status", Schema.STRING_SCHEMA)
            .field("budzet", org.apache.kafka.connect.data.Decimal.builder(2).optional().build())
            .field("data_rozpoczecia", SchemaBuilder.int32().name("io.debezium.time.Date").optional().build())
            .field("klient_id", Schema.OPTIONAL_INT32_SCHEMA).build();
    private static final Schema PROJECT_ENVELOPE = SchemaBuilder.struct().name(PROJECTS_TOPIC + ".Envelope")
            .field("before", PROJECT).field("after", PROJECT).field("source", SOURCE).field("op", Schema.STRING_SCHEMA)
            .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA).build();
    private static final JsonConverter CONVERTER = new JsonConverter();
    private static final long START_MS = 1_760_000_000_000L;

    static {
        CONVERTER.configure(Map.of("schemas.enable", "true"), false);
    }

    private ChangeEvents() {
    }

    static String kraj(int group) {
        return "kraj-" + group;
    }

    static byte[] key(int id) {
        return ("{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,\"field\":\"id\"}],"
                + "\"optional\":false,\"name\":\"" + TOPIC + ".Key\"},\"payload\":{\"id\":" + id + "}}").getBytes(StandardCharsets.UTF_8);
    }

    static byte[] change(String op, int id, Integer beforeGroup, int group, long sequence) {
        return envelope(op, beforeGroup == null ? null : row(id, beforeGroup), row(id, group), sequence);
    }

    static byte[] delete(int id, int group, long sequence) {
        return envelope("d", row(id, group), null, sequence);
    }

    private static final String[] STATUSES = {"planowany", "w_trakcie", "zakonczony", "wstrzymany"};

    /**
     * A project now pointing to client {@code klientId} with a budget of {@code budzet}, with the other columns the
     * shipped aggregates of projekty read (status, start date).
     */
    static byte[] project(String op, int id, int klientId, java.math.BigDecimal budzet, long sequence) {
        Struct after = new Struct(PROJECT).put("id", id).put("status", STATUSES[(int) (sequence % 4)])
                .put("budzet", budzet).put("data_rozpoczecia", (int) (19_000 + sequence % 1000)).put("klient_id", klientId);
        Struct envelope = new Struct(PROJECT_ENVELOPE).put("before", null).put("after", after)
                .put("source", source("projekty", sequence)).put("op", op).put("ts_ms", START_MS + sequence + 5);
        return CONVERTER.fromConnectData(PROJECTS_TOPIC, PROJECT_ENVELOPE, envelope);
    }

    private static Struct source(String table, long sequence) {
        return new Struct(SOURCE).put("version", "3.4.0.Final").put("connector", "postgresql").put("name", "bench")
                .put("ts_ms", START_MS + sequence).put("db", "postgres").put("schema", "bench").put("table", table)
                .put("txId", 1000 + sequence).put("lsn", 100_000_000L + sequence * 64);
    }

    private static Struct row(int id, int group) {
        return new Struct(ROW).put("id", id).put("nazwa", "Firma " + id).put("kraj", kraj(group));
    }

    private static byte[] envelope(String op, Struct before, Struct after, long sequence) {
        Struct envelope = new Struct(ENVELOPE).put("before", before).put("after", after).put("source", source("klienci", sequence))
                .put("op", op)
                .put("ts_ms", START_MS + sequence + 5);
        return CONVERTER.fromConnectData(TOPIC, ENVELOPE, envelope);
    }
}
