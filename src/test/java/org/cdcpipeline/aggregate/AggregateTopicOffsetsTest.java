package org.cdcpipeline.aggregate;

import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
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

    @Test
    void shouldResumeWhereTheAggregateFurthestBehindIsWhileEachPassesOverWhatItHolds() {
        // last offsets in the state: klienci-by-country 41, quality-klienci 17, budget-by-client-country none yet
        AggregateStore store = new AggregateStore(lastOffsets(Map.of("klienci-by-country", 41L, "quality-klienci", 17L)),
                "pipeline_state");
        AggregateStats stats = new AggregateStats(true, null);
        RowChanges byCountry = aggregate(stats, store, new AggregateDefinition("klienci-by-country", "dbserver1", "public",
                "klienci", "kraj", "count", "", ""));
        RowChanges quality = aggregate(stats, store, new AggregateDefinition("quality-klienci", "dbserver1", "public",
                "klienci", null, "quality", "", ""));
        AggregateTopicOffsets offsets = new AggregateTopicOffsets(stats, TOPIC);

        assertThat(offsets.getState(TOPIC + "/0")).isEqualTo("17");
        Exchange record = new DefaultExchange(new DefaultCamelContext());
        record.getMessage().setHeader(KafkaConstants.TOPIC, TOPIC);
        record.getMessage().setHeader(KafkaConstants.PARTITION, 0);
        record.getMessage().setHeader(KafkaConstants.OFFSET, 30L);
        record.getMessage().setBody(ByteBuffer.wrap("not read".getBytes()));
        // offset 30 is in the state of klienci-by-country, not in that of quality-klienci (which finds it unusable)
        assertThat(byCountry.readAll(List.of(record))).isEmpty();
        assertThat(quality.readAll(List.of(record))).hasSize(1);

        // one more aggregate of the table that has applied nothing: from the topic's start
        aggregate(stats, store, new AggregateDefinition("budget-by-client-country", "dbserver1", "public", "projekty",
                "kraj", "sum", "budzet", "", "klienci", "klient_id"));
        assertThat(offsets.getState(TOPIC + "/0")).isNull();
        assertThat(byCountry.readAll(List.of(record))).isEmpty();
    }

    private static RowChanges aggregate(AggregateStats stats, AggregateStore store, AggregateDefinition definition) {
        InFlightChanges inFlight = new InFlightChanges(definition.name(), 10);
        RowChanges changes = new RowChanges(definition);
        new Aggregate(stats, store, definition, changes, inFlight, new AggregateStateWriter(store, definition, inFlight));
        return changes;
    }

    /** A state store whose offsets table holds these last offsets, by aggregate (for any topic and partition). */
    private static DataSource lastOffsets(Map<String, Long> last) {
        return (DataSource) Proxy.newProxyInstance(AggregateTopicOffsetsTest.class.getClassLoader(),
                new Class<?>[] {DataSource.class}, (ds, dsMethod, dsArgs) -> proxy(Connection.class, (c, method, args) ->
                        switch (method.getName()) {
                            case "prepareStatement" -> {
                                Map<Integer, Object> parameters = new HashMap<>();
                                yield proxy(PreparedStatement.class, (ps, m, a) -> switch (m.getName()) {
                                    case "setString", "setInt" -> parameters.put((Integer) a[0], a[1]);
                                    case "executeQuery" -> result(last.get((String) parameters.get(1)));
                                    default -> null;
                                });
                            }
                            default -> null;
                        }));
    }

    private static ResultSet result(Long offset) {
        boolean[] read = {false};
        return proxy(ResultSet.class, (rs, m, a) -> switch (m.getName()) {
            case "next" -> {
                boolean row = offset != null && !read[0];
                read[0] = true;
                yield row;
            }
            case "getLong" -> offset;
            default -> null;
        });
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type, java.lang.reflect.InvocationHandler handler) {
        return (T) Proxy.newProxyInstance(AggregateTopicOffsetsTest.class.getClassLoader(), new Class<?>[] {type}, handler);
    }
}
