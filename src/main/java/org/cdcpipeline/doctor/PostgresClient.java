package org.cdcpipeline.doctor;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/** A short-lived JDBC connection to the configured PostgreSQL, with short timeouts, and what its failure means. */
final class PostgresClient {

    private PostgresClient() {
    }

    static Connection connect(DoctorSettings settings) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", settings.get("postgres.user"));
        p.setProperty("password", settings.get("postgres.password"));
        p.setProperty("connectTimeout", "3");
        p.setProperty("loginTimeout", "5");
        p.setProperty("socketTimeout", "10");
        p.setProperty("ApplicationName", "cdc-pipeline-doctor");
        return DriverManager.getConnection("jdbc:postgresql://" + where(settings), p);
    }

    static String where(DoctorSettings settings) {
        return settings.get("postgres.host") + ":" + settings.get("postgres.port") + "/" + settings.get("postgres.db");
    }

    /** One FAIL line for a connection that failed: wrong credentials, no such database, or nothing answering. */
    static CheckResult failure(String component, DoctorSettings settings, SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String where = where(settings);
        String reason = CheckResult.brief((e.getCause() != null && e.getCause().getMessage() != null ? e.getCause() : e).getMessage());
        if (state.startsWith("28")) {
            return CheckResult.fail(component, "PostgreSQL at " + where + " refused user '" + settings.get("postgres.user")
                    + "' (SQLState " + state + ": " + reason + ")", settings.embedded("postgres.host")
                    ? "leave POSTGRES_PASSWORD empty to use the embedded server's password in "
                    + settings.get("pipeline.data-dir") + "/dev-credentials.properties, or set the one it was started with"
                    : "set POSTGRES_USER and POSTGRES_PASSWORD to valid credentials");
        }
        if (state.equals("3D000")) {
            return CheckResult.fail(component, "PostgreSQL at " + where + " has no such database (" + reason + ")",
                    "create it or set POSTGRES_DB");
        }
        return CheckResult.fail(component, "PostgreSQL not reachable at " + where + " (" + reason + ")",
                settings.startFix("postgres.host", "PostgreSQL", "POSTGRES_HOST, POSTGRES_PORT"));
    }
}
