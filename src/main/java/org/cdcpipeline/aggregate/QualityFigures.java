package org.cdcpipeline.aggregate;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.cdcpipeline.change.ConnectField;
import org.cdcpipeline.change.RowImage;

/**
 * Data-quality figures of a table, kept as an aggregate ({@code function: quality}): each row's group is its pattern,
 * the columns that are NULL and the text columns that are empty ({@code {"n":["email"],"e":["telefon"]}}), so the
 * state keeps every row's current pattern exactly as it keeps any aggregate's groups; a snapshot folds the few
 * distinct patterns and their row counts into figures per column.
 */
public final class QualityFigures {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NULLS = "n";
    private static final String EMPTY = "e";

    /**
     * One column's figures.
     *
     * @param empty rows whose value is the empty text; null for a column that is not text
     */
    public record Figures(long rows, long nulls, Long empty) {
    }

    private QualityFigures() {
    }

    /** A row's pattern: its NULL columns and its empty text columns, in the row's order ({@code {}} for neither). */
    static String pattern(RowImage row) {
        ObjectNode pattern = null; // most rows have neither: no JSON to build
        for (String column : row.columnNames()) {
            JsonNode value = row.value(column);
            String kind = value.isNull() ? NULLS
                    : value.isTextual() && value.asText().isEmpty() && isText(row.field(column)) ? EMPTY : null;
            if (kind != null) {
                pattern = pattern == null ? JSON.createObjectNode() : pattern;
                JsonNode list = pattern.get(kind);
                (list == null ? pattern.putArray(kind) : (ArrayNode) list).add(column);
            }
        }
        return pattern == null ? "{}" : pattern.toString();
    }

    private static boolean isText(ConnectField field) {
        return field != null && field.type().equals("string")
                && (field.semanticName().isEmpty() || field.semanticName().startsWith("io.debezium.data.Enum"));
    }

    /**
     * Every column's figures from a quality snapshot: the table's columns in their order (empty counted for text
     * columns), then any column that only the rows name (dropped from the table since).
     */
    public static Map<String, Figures> of(AggregateSnapshot snapshot) {
        long rows = snapshot.groups().stream().mapToLong(AggregateSnapshot.Group::rows).sum();
        Map<String, long[]> counts = new LinkedHashMap<>();
        Map<String, Boolean> text = new LinkedHashMap<>();
        snapshot.columns().table().forEach((column, type) -> {
            counts.put(column, new long[2]);
            text.put(column, type.kind() == ColumnType.Kind.TEXT);
        });
        for (AggregateSnapshot.Group g : snapshot.groups()) {
            JsonNode pattern = read(g.group());
            for (int kind = 0; kind < 2; kind++) {
                for (JsonNode column : pattern.path(kind == 0 ? NULLS : EMPTY)) {
                    counts.computeIfAbsent(column.asText(), c -> new long[2])[kind] += g.rows();
                    if (kind == 1) {
                        text.put(column.asText(), true);
                    }
                }
            }
        }
        Map<String, Figures> figures = new LinkedHashMap<>();
        counts.forEach((column, c) -> figures.put(column,
                new Figures(rows, c[0], text.getOrDefault(column, false) ? Long.valueOf(c[1]) : null)));
        return figures;
    }

    private static JsonNode read(String pattern) {
        if (pattern == null) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(pattern);
        } catch (IOException e) {
            throw new UncheckedIOException("Not a quality pattern: " + pattern, e);
        }
    }
}
