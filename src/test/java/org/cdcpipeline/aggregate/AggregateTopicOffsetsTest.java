package org.cdcpipeline.aggregate;

import java.lang.reflect.Proxy;
import java.sql.SQLException;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AggregateTopicOffsetsTest {

    private static final String TOPIC = "dbserver1.public.klienci";

    @Test
    void shouldFailTheAssignmentRatherThanResumeFromAnywhereWhenTheStateCannotBeRead() {
        DataSource down = (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class},
                (proxy, method, args) -> {
                    throw new SQLException("Connection refused", "08001");
                });
        AggregateStore store = new AggregateStore(down, "pipeline_state");
        AggregateDefinition definition = new AggregateDefinition("klienci-by-country", "dbserver1", "public", "klienci", "kraj", "count", "", "");
        InFlightChanges inFlight = new InFlightChanges("klienci-by-country", 10);
        AggregateStats stats = new AggregateStats(true, null);
        Aggregate aggregate = new Aggregate(stats, store, definition, new RowChanges(definition), inFlight,
                new AggregateStateWriter(store, definition, inFlight));
        AggregateTopicOffsets offsets = new AggregateTopicOffsets(stats, TOPIC);

        assertThat(stats.reading(TOPIC)).containsExactly(aggregate);
        assertThat(stats.endpointsReading(TOPIC)).isEqualTo("direct:aggregate-klienci-by-country");
        assertThatThrownBy(() -> offsets.getState(TOPIC + "/0")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("klienci-by-country").hasMessageContaining("Connection refused");
        assertThatThrownBy(() -> offsets.getState("dbserver1.public.inne/0")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("consumer of " + TOPIC);
    }
}
