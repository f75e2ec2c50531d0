package org.cdcpipeline.change;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The columns of a row image, in the table's order. One instance per distinct schema text (the decoder keeps them),
 * so a reader may keep what it derives from a row schema by identity.
 */
public final class RowSchema {

    private final List<ConnectField> fields;
    private final Map<String, ConnectField> byName = new LinkedHashMap<>();

    private RowSchema(List<ConnectField> fields) {
        this.fields = fields;
        fields.forEach(field -> byName.put(field.name(), field));
    }

    static RowSchema of(JsonNode rowSchema) {
        List<ConnectField> fields = new ArrayList<>();
        for (JsonNode field : rowSchema.path("fields")) {
            fields.add(ConnectField.of(field));
        }
        return new RowSchema(List.copyOf(fields));
    }

    public List<ConnectField> fields() {
        return fields;
    }

    /** The column's schema, null when the row has no such column. */
    public ConnectField field(String column) {
        return byName.get(column);
    }
}
