package org.cdcpipeline;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * Rows of a table and rows of a mirror's Parquet parts in one comparable form: each row as its columns' text joined by
 * {@code |}, the rows sorted as text (a mirror's parts hold the rows in the order of their keys' JSON).
 */
public final class JoinedRows {

    private JoinedRows() {
    }

    /** A query's rows, sorted as text. */
    public static List<String> of(ResultSet rs) throws SQLException {
        List<String> rows = inQueryOrder(rs);
        rows.sort(null);
        return rows;
    }

    /** A query's rows in the order the query gives them. */
    public static List<String> inQueryOrder(ResultSet rs) throws SQLException {
        List<String> rows = new ArrayList<>();
        int columns = rs.getMetaData().getColumnCount();
        while (rs.next()) {
            List<String> values = new ArrayList<>();
            for (int i = 1; i <= columns; i++) {
                values.add(String.valueOf(rs.getString(i)));
            }
            rows.add(String.join("|", values));
        }
        return rows;
    }

    /** Parquet rows, without the mirror's own columns (named {@code __...}), each value as {@link S3Objects#value}. */
    public static List<String> of(List<GenericRecord> records) {
        List<String> rows = new ArrayList<>();
        for (GenericRecord r : records) {
            List<String> values = new ArrayList<>();
            for (Schema.Field f : r.getSchema().getFields()) {
                if (!f.name().startsWith("__")) {
                    values.add(String.valueOf(S3Objects.value(r, f.name())));
                }
            }
            rows.add(String.join("|", values));
        }
        rows.sort(null);
        return rows;
    }

    /** The object keys of the parts a mirror's manifest lists; none without a manifest. */
    public static List<String> manifestParts(String manifest) throws JsonProcessingException {
        List<String> parts = new ArrayList<>();
        if (manifest != null) {
            for (JsonNode file : new ObjectMapper().readTree(manifest).get("files")) {
                parts.add(file.asText());
            }
        }
        return parts;
    }
}
