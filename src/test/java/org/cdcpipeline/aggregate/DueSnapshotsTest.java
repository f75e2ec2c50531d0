package org.cdcpipeline.aggregate;

import java.lang.reflect.Proxy;
import java.sql.SQLException;
import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Which snapshots a round takes: mirrors, made without reading the state, show the order. */
class DueSnapshotsTest {

    private final AggregateStats stats = new AggregateStats(true, null);
    // a state store that takes every statement: applying an empty batch only counts it
    private final AggregateStore store = new AggregateStore(takingEverything(DataSource.class), "pipeline_state");

    @Test
    void shouldTakeOneMirrorPerRoundTheOneWaitingLongestFirst() throws SQLException {
        AggregateStateWriter klienci = mirror("klienci");
        AggregateStateWriter projekty = mirror("projekty");

        assertThat(names(stats.dueSnapshots("", 10))).containsExactly("klienci");
        // S3 down: klienci taken, not written, so it stays first
        assertThat(names(stats.dueSnapshots("", 10))).containsExactly("klienci");
        stats.mirrorWritten(written(stats.dueSnapshots("", 10)));
        klienci.apply(List.of());
        assertThat(names(stats.dueSnapshots("", 10))).as("never written yet").containsExactly("projekty");
        stats.mirrorWritten(written(stats.dueSnapshots("", 10)));
        projekty.apply(List.of());
        assertThat(names(stats.dueSnapshots("", 10))).as("written longer ago").containsExactly("klienci");
        stats.mirrorWritten(written(stats.dueSnapshots("", 10)));
        assertThat(names(stats.dueSnapshots("", 10))).containsExactly("projekty");
        stats.mirrorWritten(written(stats.dueSnapshots("", 10)));
        assertThat(stats.dueSnapshots("", 10)).as("both written, no batch since").isEmpty();
    }

    private AggregateStateWriter mirror(String table) {
        AggregateDefinition definition = new AggregateDefinition(table, "dbserver1", "public", table, "", "mirror", "", "");
        InFlightChanges inFlight = new InFlightChanges(table, 10);
        AggregateStateWriter writer = new AggregateStateWriter(store, definition, inFlight);
        new Aggregate(stats, store, definition, new RowChanges(definition), inFlight, writer);
        return writer;
    }

    @SuppressWarnings("unchecked")
    private static <T> T takingEverything(Class<T> type) {
        return (T) Proxy.newProxyInstance(DueSnapshotsTest.class.getClassLoader(), new Class<?>[] {type},
                (proxy, method, args) -> {
                    Class<?> returns = method.getReturnType();
                    return returns == int[].class ? new int[0]
                            : returns == int.class ? 0
                            : returns == boolean.class ? false
                            : returns.isInterface() ? takingEverything(returns)
                            : null;
                });
    }

    private static MirrorSnapshot written(List<Object> due) {
        return (MirrorSnapshot) due.get(0);
    }

    private static List<String> names(List<Object> due) {
        return due.stream().map(s -> ((MirrorSnapshot) s).aggregate()).toList();
    }
}
