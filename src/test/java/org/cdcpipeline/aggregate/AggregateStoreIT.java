package org.cdcpipeline.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cdcpipeline.TestServices.execute;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.cdcpipeline.TestServices;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/** The aggregates' state in the shared PostgreSQL, written batch by batch as the aggregate routes write it. */
class AggregateStoreIT {

    private static final String STATE = "agg_store_it_state";
    private static final String TOPIC = "storeit.public.klienci";
    private static final AggregateDefinition BY_COUNTRY = new AggregateDefinition("by-country", "storeit", "public",
            "klienci", "kraj", "count", "", "");

    private static AggregateStore store;

    @BeforeAll
    static void createState() throws Exception {
        execute("DROP SCHEMA IF EXISTS " + STATE + " CASCADE");
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(TestServices.jdbcUrl());
        ds.setUser("postgres");
        ds.setPassword(TestServices.endpoints().get("postgres.password"));
        store = new AggregateStore(ds, STATE);
        store.createTables();
    }

    @Test
    void shouldApplyInsertsWhoseRowsAlreadyHaveStateAsUpdatesInOrderOfOffset() throws Exception {
        store.apply("by-country", List.of(inserted(1, "Polska", 10), inserted(2, "Polska", 11),
                inserted(3, "Czechy", 12)));
        assertThat(groups()).isEqualTo(Map.of("Czechy", 1L, "Polska", 2L));

        // the initial snapshot read again (a lost slot): rows with state, among a new one; an old read changes nothing
        store.apply("by-country", List.of(inserted(1, "Niemcy", 20), inserted(2, "Polska", 5),
                inserted(4, "Czechy", 21)));
        assertThat(groups()).isEqualTo(Map.of("Czechy", 2L, "Niemcy", 1L, "Polska", 1L));
        assertThat(store.lastOffset("by-country", TOPIC, 0)).isEqualTo(21L);

        // a row created, moved and deleted within one batch; another created, deleted and created again
        store.apply("by-country", List.of(inserted(5, "Litwa", 30), updated(5, "Łotwa", 31), deleted(5, 32),
                inserted(6, "Litwa", 33), deleted(6, 34), inserted(6, "Estonia", 35), deleted(3, 36)));
        assertThat(groups()).isEqualTo(Map.of("Czechy", 1L, "Estonia", 1L, "Niemcy", 1L, "Polska", 1L));
    }

    private static Map<String, Long> groups() throws Exception {
        Map<String, Long> groups = new TreeMap<>();
        for (AggregateSnapshot.Group g : store.current(BY_COUNTRY).groups()) {
            groups.put(g.group(), g.value().longValueExact());
        }
        return groups;
    }

    private static RowChange inserted(int id, String country, long offset) {
        return new RowChange("{\"id\":" + id + "}", country, null, false, true, TOPIC, 0, offset, 1000 + offset, offset);
    }

    private static RowChange updated(int id, String country, long offset) {
        return new RowChange("{\"id\":" + id + "}", country, null, false, false, TOPIC, 0, offset, 1000 + offset, offset);
    }

    private static RowChange deleted(int id, long offset) {
        return new RowChange("{\"id\":" + id + "}", null, null, true, false, TOPIC, 0, offset, 1000 + offset, offset);
    }
}
