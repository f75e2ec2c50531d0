package org.cdcpipeline;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.Function;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection pool to the source database. Wrong credentials or a missing database stop the start with the fix;
 * an unreachable server does not, since the routes retry until it is back.
 */
public final class PostgresDataSource {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresDataSource.class);

    private PostgresDataSource() {
    }

    static HikariDataSource create(Function<String, String> config) {
        String host = config.apply("postgres.host");
        String port = config.apply("postgres.port");
        String db = config.apply("postgres.db");
        HikariConfig pool = new HikariConfig();
        pool.setPoolName("postgres");
        pool.setJdbcUrl("jdbc:postgresql://" + host + ":" + port + "/" + db);
        // named rather than found through DriverManager, which cannot see a driver in a child class loader (the
        // Camel CLI loads this project's jar in one)
        pool.setDriverClassName("org.postgresql.Driver");
        pool.setUsername(config.apply("postgres.user"));
        pool.setPassword(config.apply("postgres.password"));
        pool.setMaximumPoolSize(Integer.parseInt(config.apply("postgres.pool-size")));
        pool.setMinimumIdle(0);
        pool.setConnectionTimeout(Long.parseLong(config.apply("postgres.connection-timeout-ms")));
        pool.setInitializationFailTimeout(-1);
        pool.addDataSourceProperty("ApplicationName", "cdc-pipeline");
        pool.addDataSourceProperty("connectTimeout", "10");
        pool.addDataSourceProperty("tcpKeepAlive", "true");
        HikariDataSource dataSource = new HikariDataSource(pool);
        verify(dataSource, host + ":" + port + "/" + db, config.apply("postgres.user"));
        return dataSource;
    }

    /**
     * Change capture needs logical decoding: a server with another wal_level stops the start with the fix.
     * Unreachable now is no error (the routes retry).
     */
    static void requireLogicalDecoding(HikariDataSource dataSource, Function<String, String> config) {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SHOW wal_level")) {
            rs.next();
            String level = rs.getString(1);
            if (!"logical".equals(level)) {
                throw new StartupException("PostgreSQL at " + config.apply("postgres.host") + ":" + config.apply("postgres.port")
                        + " has wal_level=" + level + ", and change capture needs wal_level=logical: set it in the "
                        + "server's postgresql.conf (as in this project's postgresql.conf) and restart PostgreSQL, "
                        + "or set CDC_ENABLED=false to import CSV files only.");
            }
        } catch (SQLException e) {
            LOG.debug("Could not check wal_level now: {}", e.getMessage());
        }
    }

    private static void verify(HikariDataSource dataSource, String where, String user) {
        try (Connection ignored = dataSource.getConnection()) {
            LOG.debug("Connected to PostgreSQL at {}", where);
        } catch (SQLException e) {
            String state = e.getSQLState() == null ? "" : e.getSQLState();
            String reason = (e.getCause() != null ? e.getCause() : e).getMessage();
            if (state.startsWith("28")) {
                dataSource.close();
                throw new StartupException("PostgreSQL at " + where + " refused user '" + user + "' (" + reason
                        + "): set POSTGRES_USER and POSTGRES_PASSWORD to valid credentials.");
            }
            if (state.equals("3D000")) {
                dataSource.close();
                throw new StartupException("PostgreSQL at " + where + " has no such database (" + reason
                        + "): create it or set POSTGRES_DB.");
            }
            LOG.warn("PostgreSQL at {} is not reachable now ({}); CSV files wait in place and are retried", where,
                    reason);
        }
    }

    /** PostgreSQL cannot be reached, is shutting down or has no connection to spare: worth retrying later. */
    public static boolean isUnavailable(SQLException e) {
        String state = e.getSQLState();
        return e instanceof java.sql.SQLTransientConnectionException
                || (state != null && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02")
                || state.equals("57P03") || state.equals("53300")))
                || e.getCause() instanceof java.io.IOException;
    }
}
