package org.cdcpipeline.faults;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

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

    private final FaultServers servers;
    private final MidRunTable midRunTable;
    private final long seed;
    private final Duration pause;
    private final List<Thread> clients = new ArrayList<>();
    private final AtomicLong committed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile boolean running = true;

    ChangeLoad(FaultServers servers, MidRunTable midRunTable, long seed, Duration pause) {
        this.servers = servers;
        this.midRunTable = midRunTable;
        this.seed = seed;
        this.pause = pause;
    }

    void start() {
        for (int i = 1; i <= 2; i++) {
            Random random = new Random(seed * 31 + i);
            Thread client = new Thread(() -> run(random), "change-load-" + i);
            client.setDaemon(true);
            client.start();
            clients.add(client);
        }
    }

    private void run(Random random) {
        while (running) {
            try (Connection c = servers.connect();
                 PreparedStatement upsert = c.prepareStatement(UPSERT_KLIENCI);
                 PreparedStatement delete = c.prepareStatement(DELETE_KLIENCI)) {
                while (running) {
                    if (midRunTable.isCaptured() && random.nextInt(4) == 0) {
                        midRunTable.change(c, random);
                    } else if (random.nextInt(4) == 0) {
                        delete.setInt(1, 1 + random.nextInt(ID_RANGE));
                        delete.executeUpdate();
                    } else {
                        upsertKlient(upsert, random);
                    }
                    committed.incrementAndGet();
                    Thread.sleep(pause.toMillis()); // the load's pace
                }
            } catch (SQLException e) {
                // PostgreSQL restarted or the connection dropped: the statement's outcome is in the audit trail
                failed.incrementAndGet();
                pauseBeforeReconnect();
            } catch (InterruptedException e) {
                return;
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

    private void pauseBeforeReconnect() {
        try {
            Thread.sleep(200); // a client's reconnect delay
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
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
        running = false;
        for (Thread client : clients) {
            client.join(Duration.ofSeconds(90).toMillis());
            if (client.isAlive()) {
                throw new IllegalStateException(client.getName() + " did not stop: a statement hangs");
            }
        }
    }
}
