package org.cdcpipeline.aggregate;

import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RowChangeBatchingTest {

    private final DefaultCamelContext camel = new DefaultCamelContext();
    private final RowChangeBatching batching = new RowChangeBatching();

    @Test
    void shouldKeepTheRunsInOrderAndCountTheChangesForTheCompletionPredicate() {
        Exchange batch = batching.aggregate(null, run(RowChange.deadLettered("t", 0, 1)));
        assertThat(batch.getProperty(RowChangeBatching.SIZE)).isEqualTo(1);
        batch = batching.aggregate(batch, run(List.of(RowChange.deadLettered("t", 0, 2).get(0),
                RowChange.deadLettered("t", 0, 3).get(0))));
        assertThat(batch.getProperty(RowChangeBatching.SIZE)).isEqualTo(3);
        assertThat(batch.getIn().getBody(List.class)).extracting("offset").containsExactly(1L, 2L, 3L);
    }

    private Exchange run(List<RowChange> changes) {
        Exchange run = new DefaultExchange(camel);
        run.getIn().setBody(changes);
        return run;
    }
}
