package org.cdcpipeline.change;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A row as one change event carries it: its values as JSON, read with the columns' schemas.
 *
 * @param schema null when the envelope's schema has no such row image
 */
public record RowImage(RowSchema schema, JsonNode values) {

    /** The column's JSON value (a NullNode for SQL NULL), or null when the row has no such column. */
    public JsonNode value(String column) {
        return values.get(column);
    }

    /** The columns the row holds, for messages that name what is there. */
    public List<String> columnNames() {
        List<String> columns = new ArrayList<>();
        values.fieldNames().forEachRemaining(columns::add);
        return columns;
    }

    /** The column's schema, null when the schema names no such column. */
    public ConnectField field(String column) {
        return schema == null ? null : schema.field(column);
    }
}
