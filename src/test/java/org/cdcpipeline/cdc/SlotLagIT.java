package org.cdcpipeline.cdc;

import java.sql.Connection;
import java.sql.Statement;

import org.cdcpipeline.TestServices;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import static org.assertj.core.api.Assertions.assertThat;

/** A slot nobody reads keeps WAL: its lag grows with every change and is reported in bytes. */
class SlotLagIT {

    @Test
    void shouldReportTheWalASlotHoldsBack() throws Exception {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setUrl(TestServices.jdbcUrl());
        dataSource.setUser("postgres");
        dataSource.setPassword(TestServices.endpoints().get("postgres.password"));
        SlotLag lag = new SlotLag(dataSource, "lag_it", 1024);
        assertThat(lag.report()).as("no slot yet").isEqualTo(-1);
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            st.execute("SELECT pg_create_logical_replication_slot('lag_it', 'pgoutput')");
            long before = lag.report();
            st.execute("CREATE TABLE lag_it AS SELECT g AS id, repeat('x', 100) AS pad FROM generate_series(1, 10000) g");
            long after = lag.report();
            assertThat(after).isGreaterThan(before).isGreaterThan(1_000_000);
            assertThat(lag.lastLagBytes()).isEqualTo(after);
            st.execute("SELECT pg_drop_replication_slot('lag_it')");
            st.execute("DROP TABLE lag_it");
        }
    }
}
