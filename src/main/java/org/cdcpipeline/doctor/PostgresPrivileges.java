package org.cdcpipeline.doctor;

import static org.cdcpipeline.SqlIdentifiers.quote;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.cdcpipeline.cdc.CapturedTables;
import org.cdcpipeline.cdc.CapturedTables.TableId;

/**
 * Whether the configured role may do what the pipeline does in PostgreSQL, for a role that is no superuser: the
 * REPLICATION attribute (capture's replication slot), CREATE on the database (capture's publication, and the
 * {@code CREATE SCHEMA IF NOT EXISTS} of every start), USAGE and CREATE on the schemas it writes in (the import's
 * tables, the aggregates' state, capture's signal table), ownership of the publication and of the captured tables
 * (only their owner may add them to a publication or set REPLICA IDENTITY FULL), and the heartbeat's function. Each
 * missing privilege is one FAIL whose fix is the statement a superuser runs.
 */
final class PostgresPrivileges {

    private static final String ROLE_SQL = """
            SELECT current_user, current_database(), rolsuper, rolreplication,
                   has_database_privilege(current_database(), 'CREATE')
              FROM pg_roles WHERE rolname = current_user""";
    private static final String SCHEMA_SQL = """
            SELECT has_schema_privilege(oid, 'USAGE'), has_schema_privilege(oid, 'CREATE')
              FROM pg_namespace WHERE nspname = ?""";
    private static final String PUBLICATION_OWNER_SQL =
            "SELECT pg_get_userbyid(pubowner), pg_has_role(pubowner, 'USAGE') FROM pg_publication WHERE pubname = ?";
    private static final String NOT_OWNED_SQL = """
            SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'p') AND NOT pg_has_role(c.relowner, 'USAGE')""";
    /** The text variant the heartbeat query calls (PostgreSQL 17 added a fourth parameter, flush, with a default). */
    private static final String HEARTBEAT_NOT_EXECUTABLE_SQL = """
            SELECT p.oid::regprocedure::text FROM pg_proc p
             WHERE p.proname = 'pg_logical_emit_message' AND p.proargtypes[2] = 'text'::regtype
               AND NOT has_function_privilege(p.oid, 'EXECUTE')""";

    private PostgresPrivileges() {
    }

    static List<CheckResult> check(Connection c, DoctorSettings settings) throws SQLException {
        String role;
        String database;
        boolean superuser;
        boolean replication;
        boolean createInDatabase;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(ROLE_SQL)) {
            rs.next();
            role = rs.getString(1);
            database = rs.getString(2);
            superuser = rs.getBoolean(3);
            replication = rs.getBoolean(4);
            createInDatabase = rs.getBoolean(5);
        }
        if (superuser) {
            return List.of(CheckResult.ok(PostgresCheck.NAME, "role " + role + " is a superuser"));
        }
        List<CheckResult> results = new ArrayList<>();
        boolean cdc = settings.flag("cdc.enabled");
        if (cdc && !replication) {
            results.add(fail(role, "has no REPLICATION attribute: change capture cannot create or read its "
                    + "replication slot", "ALTER ROLE " + quote(role) + " REPLICATION"));
        }
        if (!createInDatabase) {
            results.add(fail(role, "cannot CREATE in database " + database + ": the pipeline makes sure of its "
                    + "schemas at start (CREATE SCHEMA IF NOT EXISTS)" + (cdc ? " and capture creates its publication" : ""),
                    "GRANT CREATE ON DATABASE " + quote(database) + " TO " + quote(role)));
        }
        results.addAll(schemas(c, settings, role, cdc));
        if (cdc) {
            results.addAll(capture(c, settings, role));
        }
        if (results.isEmpty()) {
            results.add(CheckResult.ok(PostgresCheck.NAME, "role " + role + " has the privileges the pipeline needs"));
        }
        return results;
    }

    /** USAGE and CREATE on each schema the pipeline writes in; a schema that does not exist yet it creates. */
    private static List<CheckResult> schemas(Connection c, DoctorSettings settings, String role, boolean cdc)
            throws SQLException {
        Map<String, List<String>> uses = new LinkedHashMap<>();
        uses.computeIfAbsent(settings.get("csv.schema"), s -> new ArrayList<>()).add("the CSV import creates its tables there");
        if (settings.flag("aggregate.enabled")) {
            uses.computeIfAbsent(settings.get("aggregate.state-schema"), s -> new ArrayList<>()).add("the aggregates keep their state there");
        }
        if (cdc) {
            uses.computeIfAbsent(TableId.parse(settings.get("cdc.signal-table")).schema(), s -> new ArrayList<>())
                    .add("capture's signal table is there");
        }
        List<CheckResult> results = new ArrayList<>();
        for (Map.Entry<String, List<String>> schema : uses.entrySet()) {
            try (PreparedStatement ps = c.prepareStatement(SCHEMA_SQL)) {
                ps.setString(1, schema.getKey());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next() && !(rs.getBoolean(1) && rs.getBoolean(2))) {
                        String missing = !rs.getBoolean(1) && !rs.getBoolean(2) ? "USAGE and CREATE"
                                : rs.getBoolean(1) ? "CREATE" : "USAGE";
                        results.add(fail(role, "lacks " + missing + " on schema " + schema.getKey() + ": "
                                        + String.join(", ", schema.getValue()),
                                "GRANT USAGE, CREATE ON SCHEMA " + quote(schema.getKey()) + " TO " + quote(role)));
                    }
                }
            }
        }
        return results;
    }

    /** Ownership of the publication and the captured tables, and the heartbeat's function. */
    private static List<CheckResult> capture(Connection c, DoctorSettings settings, String role) throws SQLException {
        List<CheckResult> results = new ArrayList<>();
        String publication = settings.get("cdc.publication-name");
        try (PreparedStatement ps = c.prepareStatement(PUBLICATION_OWNER_SQL)) {
            ps.setString(1, publication);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next() && !rs.getBoolean(2)) {
                    results.add(fail(role, "does not own publication " + publication + " (" + rs.getString(1)
                                    + " does): capture cannot add tables to it",
                            "ALTER PUBLICATION " + quote(publication) + " OWNER TO " + quote(role)));
                }
            }
        }
        // from pg_class, which lists the tables the role has no privilege on too (information_schema hides them, and
        // so capture would never see them)
        List<TableId> notOwned = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(NOT_OWNED_SQL)) {
            while (rs.next()) {
                TableId table = new TableId(rs.getString(1), rs.getString(2));
                if (CapturedTables.captures(settings.get("cdc.tables"), settings.get("cdc.signal-table"), table)) {
                    notOwned.add(table);
                }
            }
        }
        if (!notOwned.isEmpty()) {
            String owner = quote(role);
            results.add(fail(role, "does not own the captured table(s) " + notOwned.stream().map(TableId::toString)
                            .collect(Collectors.joining(", ")) + ": capture cannot add them to the publication",
                    notOwned.stream().map(t -> "ALTER TABLE " + t.quoted() + " OWNER TO " + owner)
                            .collect(Collectors.joining("; ")) + " (or leave them out of cdc.tables)"));
        }
        if (settings.get("cdc.heartbeat-query").contains("pg_logical_emit_message")) {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(HEARTBEAT_NOT_EXECUTABLE_SQL)) {
                while (rs.next()) {
                    results.add(fail(role, "cannot run " + rs.getString(1) + ", which cdc.heartbeat-query calls",
                            "GRANT EXECUTE ON FUNCTION " + rs.getString(1) + " TO " + quote(role)));
                }
            }
        }
        return results;
    }

    private static CheckResult fail(String role, String detail, String grant) {
        return CheckResult.fail(PostgresCheck.NAME, "role " + role + " " + detail, "as a superuser: " + grant);
    }
}
