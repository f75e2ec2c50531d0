package org.cdcpipeline.change;

import com.fasterxml.jackson.databind.JsonNode;

/** The schema of a Debezium envelope: the schemas of its row images, before and after. */
final class EnvelopeSchema {

    private final RowSchema before;
    private final RowSchema after;

    private EnvelopeSchema(RowSchema before, RowSchema after) {
        this.before = before;
        this.after = after;
    }

    static EnvelopeSchema of(JsonNode schema) {
        RowSchema before = null;
        RowSchema after = null;
        for (JsonNode field : schema.path("fields")) {
            switch (field.path("field").asText()) {
                case "before" -> before = RowSchema.of(field);
                case "after" -> after = RowSchema.of(field);
                default -> {
                }
            }
        }
        return new EnvelopeSchema(before, after);
    }

    /** Null when the envelope's schema has no such field. */
    RowSchema row(boolean beforeImage) {
        return beforeImage ? before : after;
    }
}
