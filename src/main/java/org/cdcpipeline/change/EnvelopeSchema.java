package org.cdcpipeline.change;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The schema of a Debezium envelope: the schemas of its row images.
 *
 * @param before null when the envelope's schema has no before field
 * @param after  null when it has no after field
 */
record EnvelopeSchema(RowSchema before, RowSchema after) {

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
}
