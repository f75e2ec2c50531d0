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
        HikariConfig pool = pool(config, "postgres", "cdc-pipeline");
        pool.setMaximumPoolSize(Integer.parseInt(config.apply("postgres.pool-size")));
        pool.setConnectionTimeout(Long.parseLong(config.apply("postgres.connection-timeout-ms")));
        pool.addDataSourceProperty("connectTimeout", "10");
        HikariDataSource dataSource = new HikariDataSource(pool);
        String where = config.apply("postgres.host") + ":" + config.apply("postgres.port") + "/" + config.apply("postgres.db");
        verify(dataSource, where, config.apply("postgres.user"));
        return dataSource;
    }

    /**
     * One connection of its own for health probes and lag measurements, so that however often health is asked for
     * they neither take nor wait for a connection of the import's pool. Every step gives up after
     * {@code timeoutMillis} (waiting for the connection, connecting, waiting for any answer of the server), so a server that
     * stops answering holds a probe thread no longer than that.
     */
    public static HikariDataSource forProbes(Function<String, String> config, long timeoutMillis) {
        HikariConfig pool = pool(config, "postgres-probes", "cdc-pipeline-health");
        pool.setMaximumPoolSize(1);
        // Hikari's lower limit for both
        long wait = Math.max(250, timeoutMillis);
        pool.setConnectionTimeout(wait);
        pool.setValidationTimeout(wait);
        // the driver counts these in whole seconds
        String seconds = String.valueOf(Math.max(1, (timeoutMillis + 999) / 1000));
        pool.addDataSourceProperty("connectTimeout", seconds);
        pool.addDataSourceProperty("socketTimeout", seconds);
        return new HikariDataSource(pool);
    }

    private static HikariConfig pool(Function<String, String> config, String name, String applicationName) {
        HikariConfig pool = new HikariConfig();
        pool.setPoolName(name);
        pool.setJdbcUrl("jdbc:postgresql://" + config.apply("postgres.host") + ":" + config.apply("postgres.port") + "/"
                + config.apply("postgres.db"));
        // named rather than found through DriverManager, which cannot see a driver in a child class loader (the
        // Camel CLI loads this project's jar in one)
        pool.setDriverClassName("org.postgresql.Driver");
        pool.setUsername(config.apply("postgres.user"));
        pool.setPassword(config.apply("postgres.password"));
        pool.setMinimumIdle(0);
        // PostgreSQL unreachable at start is no error: the routes retry
        pool.setInitializationFailTimeout(-1);
        pool.addDataSourceProperty("ApplicationName", applicationName);
        pool.addDataSourceProperty("tcpKeepAlive", "true");
        return pool;
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
