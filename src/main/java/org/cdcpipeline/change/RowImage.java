package org.cdcpipeline.change;

import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A row as one change event carries it: its values as JSON, read with the columns' schemas. The columns are kept in
 * the event's order as two arrays (a row has a few dozen columns at most): cheaper to build per event than a map.
 */
public final class RowImage {

    private final RowSchema schema;
    private final String[] names;
    private final JsonNode[] values;

    /**
     * @param schema null when the envelope's schema has no such row image
     * @param names  the columns the row holds, in its order
     * @param values their values, a NullNode for SQL NULL
     */
    RowImage(RowSchema schema, String[] names, JsonNode[] values) {
        this.schema = schema;
        this.names = names;
        this.values = values;
    }

    /** Null when the envelope's schema has no such row image. */
    public RowSchema schema() {
        return schema;
    }

    /** The column's JSON value (a NullNode for SQL NULL), or null when the row has no such column. */
    public JsonNode value(String column) {
        // the last of equal names, as a JSON object read into a map keeps it
        for (int i = names.length - 1; i >= 0; i--) {
            if (names[i].equals(column)) {
                return values[i];
            }
        }
        return null;
    }

    /** The columns the row holds, for messages that name what is there. */
    public List<String> columnNames() {
        return Arrays.asList(names);
    }

    /** The column's schema, null when the schema names no such column. */
    public ConnectField field(String column) {
        return schema == null ? null : schema.field(column);
    }
}
