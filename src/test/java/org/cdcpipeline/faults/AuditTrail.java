package org.cdcpipeline.faults;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * What the database really committed: a trigger on each captured table records every row change (table, op, id, the
 * row's values, the transaction id) in {@code audit.changes}. The audit schema is outside the captured schema, so its
 * own rows are not captured. A transaction PostgreSQL aborts (a crash mid-statement) takes its audit rows with it, so
 * the trail holds exactly the committed changes, in the order each row was changed.
 */
final class AuditTrail {

    private static final ObjectMapper JSON = new ObjectMapper();

    static final String SETUP = """
            CREATE SCHEMA IF NOT EXISTS audit;
            CREATE TABLE IF NOT EXISTS audit.changes (
                seq        bigserial PRIMARY KEY,
                table_name text        NOT NULL,
                op         char(1)     NOT NULL,
                id         integer     NOT NULL,
                row_values jsonb       NOT NULL,
                txid       bigint      NOT NULL DEFAULT txid_current(),
                at         timestamptz NOT NULL DEFAULT clock_timestamp()
            );
            CREATE OR REPLACE FUNCTION audit.record_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    INSERT INTO audit.changes (table_name, op, id, row_values) VALUES (TG_TABLE_NAME, 'd', OLD.id, to_jsonb(OLD));
                ELSE
                    INSERT INTO audit.changes (table_name, op, id, row_values)
                    VALUES (TG_TABLE_NAME, CASE TG_OP WHEN 'INSERT' THEN 'c' ELSE 'u' END, NEW.id, to_jsonb(NEW));
                END IF;
                RETURN NULL;
            END $$;
            """;

    private AuditTrail() {
    }

    /** The statement that makes {@code table} (of schema public) record its changes; run before anything writes it. */
    static String recordChangesOf(String table) {
        return "CREATE TRIGGER audit_changes AFTER INSERT OR UPDATE OR DELETE ON public." + table
                + " FOR EACH ROW EXECUTE FUNCTION audit.record_change()";
    }

    /** Every recorded change, in the order rows were changed (a row's later change always has a higher seq). */
    static List<AuditedChange> read(Connection c) throws SQLException {
        List<AuditedChange> changes = new ArrayList<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT seq, table_name, op, id, txid, row_values::text, at FROM audit.changes ORDER BY seq")) {
            while (rs.next()) {
                changes.add(new AuditedChange(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getInt(4),
                        rs.getLong(5), json(rs.getString(6)), rs.getTimestamp(7).toInstant()));
            }
        }
        return changes;
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * One committed row change.
     *
     * @param txid the transaction's id as txid_current() gives it; Debezium's txId is its 32-bit xid
     */
    record AuditedChange(long seq, String table, String op, int id, long txid, JsonNode values, Instant at) {

        long xid() {
            return txid & 0xFFFF_FFFFL;
        }

        @Override
        public String toString() {
            return table + " " + op + " id=" + id + " tx=" + xid() + " at " + at + " " + values;
        }
    }
}
