package org.cdcpipeline.faults;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.common.utils.ThreadUtils;

/**
 * Two database clients changing {@code klienci} without pause while faults are injected: upserts
 * ({@code INSERT ... ON CONFLICT (id) DO UPDATE}) of random ids in a small range with a random country, and random
 * deletes; each statement is one transaction. A client that loses its connection (PostgreSQL restarted) connects again
 * and goes on; a statement whose outcome is unknown needs no bookkeeping, because the audit trail records what was
 * committed. Once the {@link MidRunTable} has joined capture, the clients change it too.
 */
final class ChangeLoad implements AutoCloseable {

    static final int ID_RANGE = 300;
    static final List<String> COUNTRIES = List.of("Polska", "Niemcy", "Czechy", "Francja", "Litwa", "Słowacja", "Austria", "Włochy");

    private static final String UPSERT_KLIENCI = """
            INSERT INTO klienci (id, nazwa, email, kraj, telefon) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET nazwa = EXCLUDED.nazwa, email = EXCLUDED.email, kraj = EXCLUDED.kraj,
                                           telefon = EXCLUDED.telefon""";
    private static final String DELETE_KLIENCI = "DELETE FROM klienci WHERE id = ?";
    private static final Duration RECONNECT_DELAY = Duration.ofMillis(200);

    private final FaultServers servers;
    private final MidRunTable midRunTable;
    private final long seed;
    private final Duration pause;
    private final ScheduledExecutorService clients =
            Executors.newScheduledThreadPool(2, ThreadUtils.createThreadFactory("change-load-%d", true));
    private final List<Client> started = new ArrayList<>();
    private final AtomicLong committed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    ChangeLoad(FaultServers servers, MidRunTable midRunTable, long seed, Duration pause) {
        this.servers = servers;
        this.midRunTable = midRunTable;
        this.seed = seed;
        this.pause = pause;
    }

    /** Each client runs one statement, then the next {@code pause} after it ends. */
    void start() {
        for (int i = 1; i <= 2; i++) {
            Client client = new Client(new Random(seed * 31 + i));
            started.add(client);
            clients.scheduleWithFixedDelay(client::next, 0, pause.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** One client: its connection, opened again after a failure once a client's reconnect delay has passed. */
    private final class Client {

        private final Random random;
        private Connection connection;
        private PreparedStatement upsert;
        private PreparedStatement delete;
        private long reconnectAt;

        Client(Random random) {
            this.random = random;
        }

        void next() {
            if (connection == null && System.nanoTime() - reconnectAt < 0) {
                return;
            }
            try {
                if (connection == null) {
                    connection = servers.connect();
                    upsert = connection.prepareStatement(UPSERT_KLIENCI);
                    delete = connection.prepareStatement(DELETE_KLIENCI);
                }
                if (midRunTable.isCaptured() && random.nextInt(4) == 0) {
                    midRunTable.change(connection, random);
                } else if (random.nextInt(4) == 0) {
                    delete.setInt(1, 1 + random.nextInt(ID_RANGE));
                    delete.executeUpdate();
                } else {
                    upsertKlient(upsert, random);
                }
                committed.incrementAndGet();
            } catch (SQLException e) {
                // PostgreSQL restarted or the connection dropped: the statement's outcome is in the audit trail
                failed.incrementAndGet();
                disconnect();
                reconnectAt = System.nanoTime() + RECONNECT_DELAY.toNanos();
            }
        }

        void disconnect() {
            if (connection != null) {
                try {
                    connection.close();
                } catch (SQLException ignored) {
                    // the connection is gone already
                }
                connection = null;
            }
        }
    }

    private static void upsertKlient(PreparedStatement upsert, Random random) throws SQLException {
        int id = 1 + random.nextInt(ID_RANGE);
        upsert.setInt(1, id);
        upsert.setString(2, "Firma " + id + "-" + random.nextInt(1000));
        upsert.setString(3, random.nextInt(5) == 0 ? null : "kontakt" + random.nextInt(100) + "@firma" + id + ".pl");
        upsert.setString(4, COUNTRIES.get(random.nextInt(COUNTRIES.size())));
        upsert.setString(5, "+48 600 " + (100_000 + random.nextInt(900_000)));
        upsert.executeUpdate();
    }

    long statementsCommitted() {
        return committed.get();
    }

    long statementsFailed() {
        return failed.get();
    }

    /** Stops the clients and waits until none has a statement in flight. */
    @Override
    public void close() throws InterruptedException {
        clients.shutdown();
        if (!clients.awaitTermination(90, TimeUnit.SECONDS)) {
            throw new IllegalStateException("a change-load client did not stop: a statement hangs");
        }
        started.forEach(Client::disconnect);
    }
}
