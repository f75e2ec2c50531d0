package org.cdcpipeline;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.Function;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection pool to the source database. Wrong credentials or a missing database stop the start with the fix;
 * an unreachable server does not, since the routes retry until it is back.
 */
final class PostgresDataSource {

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
}
