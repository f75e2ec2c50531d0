package org.cdcpipeline;

import java.sql.SQLException;

import org.postgresql.core.Utils;

/**
 * Names in SQL text: every schema, table, column, publication, role and database name reaches a statement through
 * {@link #quote}, whatever its source. Names that come from data (file names, CSV headers) are checked against a
 * stricter pattern first ({@code csv.SqlIdentifier}).
 */
public final class SqlIdentifiers {

    private SqlIdentifiers() {
    }

    /** The name double-quoted as PostgreSQL reads it: a quote inside is doubled; a NUL character is refused. */
    public static String quote(String name) {
        try {
            return Utils.escapeIdentifier(null, name).toString();
        } catch (SQLException e) {
            throw new IllegalArgumentException("'" + name + "' cannot be used as an SQL name (" + e.getMessage()
                    + "): use a name without NUL characters", e);
        }
    }
}
