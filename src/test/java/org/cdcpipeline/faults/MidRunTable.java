package org.cdcpipeline.faults;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.utils.ThreadUtils;

/**
 * A table created with plain SQL, as with psql, while the pipeline runs: a new table of the captured schema whose
 * topic then joins the raw archive's pattern subscription (a consumer group rebalance) under load. Its changes start
 * only once capture's publication holds it, so each of them is streamed as a change event: a change made before
 * would reach the archive as part of an incremental snapshot (op r) instead.
 */
final class MidRunTable implements AutoCloseable {

    static final String NAME = "dostawy";

    /** One transaction: the table never exists without its audit trigger. */
    private static final String CREATE = """
            BEGIN;
            CREATE TABLE public.dostawy (
                id        integer PRIMARY KEY,
                klient_id integer,
                opis      varchar(200),
                kwota     integer
            );
            ALTER TABLE public.dostawy REPLICA IDENTITY FULL;
            """ + AuditTrail.recordChangesOf(NAME) + ";\nCOMMIT;";

    /**
     * The first changes, among them one transaction that changes one row twice. Running it again after an outage
     * only makes more changes, which the audit trail records as well.
     */
    private static final String FIRST_CHANGES = """
            BEGIN;
            INSERT INTO public.dostawy VALUES (1, 10, 'pierwsze', 100), (2, 20, 'drugie', 200), (3, 30, 'trzecie', 300)
                ON CONFLICT (id) DO NOTHING;
            UPDATE public.dostawy SET kwota = kwota + 1 WHERE id = 1;
            UPDATE public.dostawy SET kwota = kwota + 1, opis = 'pierwsze, poprawione' WHERE id = 1;
            COMMIT;
            UPDATE public.dostawy SET klient_id = 11 WHERE id = 2;
            DELETE FROM public.dostawy WHERE id = 3;
            """;

    private static final String UPSERT = """
            INSERT INTO public.dostawy (id, klient_id, opis, kwota) VALUES (?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET klient_id = EXCLUDED.klient_id, opis = EXCLUDED.opis, kwota = EXCLUDED.kwota""";

    private final FaultServers servers;
    private final FaultTimeline timeline;
    private volatile boolean captured;
    private final ScheduledExecutorService creator =
            Executors.newSingleThreadScheduledExecutor(ThreadUtils.createThreadFactory("mid-run-table", true));

    MidRunTable(FaultServers servers, FaultTimeline timeline) {
        this.servers = servers;
        this.timeline = timeline;
    }

    /** Creates the table after {@code delay}, in the background, and makes its first changes once it is captured. */
    void createAfter(Duration delay) {
        creator.schedule(() -> {
            retry(() -> servers.execute(CREATE));
            timeline.event("table " + NAME + " created");
            awaitCaptured();
            timeline.event("table " + NAME + " is in capture's publication; its first changes follow");
            retry(() -> servers.execute(FIRST_CHANGES));
            captured = true;
        }, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        creator.shutdownNow();
    }

    /** Capture's table discovery (every cdc.table-discovery-interval-ms) adds the table to the publication. */
    private void awaitCaptured() {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofMinutes(5))
                .pollInterval(java.time.Duration.ofMillis(250)).until(this::published);
    }

    private boolean published() {
        try (Connection c = servers.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT 1 FROM pg_publication_tables WHERE schemaname = 'public' AND tablename = '" + NAME + "'")) {
            return rs.next();
        } catch (SQLException e) {
            return false;
        }
    }

    /** Runs an SQL script until PostgreSQL takes it; a script that failed with an outage left nothing behind. */
    private static void retry(SqlScript script) {
        // PostgreSQL may be restarting: tried again until it takes the script
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofMinutes(5))
                .pollInterval(java.time.Duration.ofMillis(500)).until(() -> {
                    try {
                        script.run();
                        return true;
                    } catch (SQLException e) {
                        return "42P07".equals(e.getSQLState()); // created by an attempt whose reply was lost
                    }
                });
    }

    boolean isCaptured() {
        return captured;
    }

    /** One change of the load: an upsert, or now and then a delete. */
    void change(Connection c, Random random) throws SQLException {
        int id = 1 + random.nextInt(100);
        if (random.nextInt(5) == 0) {
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM public.dostawy WHERE id = ?")) {
                delete.setInt(1, id);
                delete.executeUpdate();
            }
            return;
        }
        try (PreparedStatement upsert = c.prepareStatement(UPSERT)) {
            upsert.setInt(1, id);
            upsert.setInt(2, 1 + random.nextInt(ChangeLoad.ID_RANGE));
            upsert.setString(3, "zamówienie " + random.nextInt(10_000));
            upsert.setInt(4, random.nextInt(100_000));
            upsert.executeUpdate();
        }
    }

    @FunctionalInterface
    private interface SqlScript {
        void run() throws SQLException;
    }
}
