package org.cdcpipeline.aggregate;

import java.lang.reflect.Proxy;
import java.sql.SQLException;
import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AggregateStateWriterTest {

    private static final String TOPIC = "dbserver1.public.klienci";

    @Test
    void shouldKeepABatchTheStoreRefusesWaitingAndSayWhy() throws Exception {
        DataSource down = (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class},
                (proxy, method, args) -> {
                    throw new SQLException("Connection refused\nsecond line", "08001");
                });
        InFlightChanges inFlight = new InFlightChanges("klienci-by-country", 10);
        AggregateStateWriter writer = new AggregateStateWriter(new AggregateStore(down, "pipeline_state"),
                new AggregateDefinition("klienci-by-country", "dbserver1", "public", "klienci", "kraj", "count", "", ""), inFlight);
        List<RowChange> batch = List.of(new RowChange("{\"id\":1}", "PL", null, false, true, TOPIC, 0, 5, 1L, 2L));
        inFlight.handOver(batch);

        assertThatThrownBy(() -> writer.apply(batch)).isInstanceOf(BatchNotAppliedException.class)
                .hasMessageContaining("klienci-by-country").hasMessageContaining("retried");
        AggregateStateWriter.ApplyFailure first = writer.failure();
        assertThat(first.error()).isEqualTo("Connection refused (SQLSTATE 08001)");
        assertThat(first.changes()).isEqualTo(1);
        assertThat(first.attempts()).isEqualTo(1);

        assertThatThrownBy(() -> writer.apply(batch)).isInstanceOf(BatchNotAppliedException.class);
        assertThat(writer.failure().attempts()).isEqualTo(2);
        assertThat(writer.failure().since()).isEqualTo(first.since());
        // not applied: still waiting, no batch counted for snapshots
        assertThat(inFlight.pending()).isEqualTo(1);
        assertThat(writer.batchesApplied()).isZero();
    }
}
