package org.cdcpipeline;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PostgresDataSourceTest {

    @Test
    void shouldGiveUpOnAServerThatAcceptsButNeverAnswersWithinTheProbeTimeout() throws Exception {
        // a server that takes the connection and then says nothing, as a hung PostgreSQL does
        try (ServerSocket hung = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Long> clientLeft = CompletableFuture.supplyAsync(() -> {
                try (Socket client = hung.accept(); InputStream in = client.getInputStream()) {
                    while (in.read() >= 0) {
                        // the driver's first request; no answer
                    }
                    return System.nanoTime();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            Map<String, String> config = Map.of("postgres.host", "127.0.0.1", "postgres.port",
                    String.valueOf(hung.getLocalPort()), "postgres.db", "postgres", "postgres.user", "postgres",
                    "postgres.password", "secret");
            try (HikariDataSource probes = PostgresDataSource.forProbes(config::get, 1000)) {
                long start = System.nanoTime();
                assertThatThrownBy(probes::getConnection).isInstanceOf(SQLException.class);
                // the import's pool would wait 10 s (postgres.connection-timeout-ms); generous for a busy machine
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(5000));

                // and the connection attempt itself ends: the driver hangs up rather than wait for the server
                assertThat(clientLeft.get(10, TimeUnit.SECONDS)).isPositive();
            }
        }
    }
}
