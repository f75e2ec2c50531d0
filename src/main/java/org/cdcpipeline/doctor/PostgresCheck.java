package org.cdcpipeline.doctor;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * PostgreSQL reachable with the configured credentials, logical decoding on (wal_level), and the role's privileges
 * ({@link PostgresPrivileges}).
 */
final class PostgresCheck {

    static final String NAME = "postgres";

    private PostgresCheck() {
    }

    static List<CheckResult> run(DoctorSettings settings) {
        List<CheckResult> results = new ArrayList<>();
        try (Connection c = PostgresClient.connect(settings); Statement st = c.createStatement()) {
            String version;
            try (ResultSet rs = st.executeQuery("SHOW server_version")) {
                rs.next();
                version = rs.getString(1);
            }
            results.add(CheckResult.ok(NAME, "connected to " + PostgresClient.where(settings) + " as "
                    + settings.get("postgres.user") + " (PostgreSQL " + version.split(" ")[0] + ")"));
            String walLevel;
            try (ResultSet rs = st.executeQuery("SHOW wal_level")) {
                rs.next();
                walLevel = rs.getString(1);
            }
            if ("logical".equals(walLevel)) {
                results.add(CheckResult.ok(NAME, "wal_level is logical"));
            } else if (!settings.flag("cdc.enabled")) {
                results.add(CheckResult.ok(NAME, "wal_level is " + walLevel + " (enough: change capture is disabled)"));
            } else {
                results.add(CheckResult.fail(NAME, "wal_level is " + walLevel + ": change capture needs logical decoding",
                        "set wal_level = logical in postgresql.conf and restart PostgreSQL (or CDC_ENABLED=false to import CSV files only)"));
            }
            results.addAll(PostgresPrivileges.check(c, settings));
        } catch (SQLException e) {
            results.add(PostgresClient.failure(NAME, settings, e));
        }
        return results;
    }
}
