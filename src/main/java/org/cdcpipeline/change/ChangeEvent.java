package org.cdcpipeline.change;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One decoded change event: the operation, where and when it happened in PostgreSQL (the source block), and its row
 * images with their schemas.
 */
public final class ChangeEvent {

    private final EnvelopeSchema schema;
    private final JsonNode payload;

    ChangeEvent(EnvelopeSchema schema, JsonNode payload) {
        this.schema = schema;
        this.payload = payload;
    }

    /** c, u, d or r (snapshot read); null when the payload has no textual op (no change event). */
    public String op() {
        JsonNode op = payload.path("op");
        return op.isTextual() ? op.asText() : null;
    }

    public boolean deleted() {
        return "d".equals(op());
    }

    /** The commit time in PostgreSQL, null when the source block has none. */
    public Long sourceTsMs() {
        return longOf(source().path("ts_ms"));
    }

    /** The change's WAL position, null when the source block has none. */
    public Long lsn() {
        return longOf(source().path("lsn"));
    }

    public Long txId() {
        return longOf(source().path("txId"));
    }

    /** The table the source block names, null when it names none. */
    public String table() {
        JsonNode table = source().path("table");
        return table.isTextual() ? table.asText() : null;
    }

    /** The row as the change left it. */
    public RowImage after() {
        return new RowImage(schema.after(), payload.path("after"));
    }

    /** The row the change is about: the after-image, or the before-image of a delete. */
    public RowImage row() {
        boolean delete = deleted();
        return new RowImage(delete ? schema.before() : schema.after(), payload.path(delete ? "before" : "after"));
    }

    private JsonNode source() {
        return payload.path("source");
    }

    private static Long longOf(JsonNode value) {
        return value.canConvertToLong() ? value.asLong() : null;
    }
}
