package org.cdcpipeline.aggregate;

import java.util.ArrayList;
import java.util.List;

import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;

/** Gathers runs of changes (a poll's, or a dead letter's position) into one batch to apply, in the order they come. */
public final class RowChangeBatching implements AggregationStrategy {

    @Override
    @SuppressWarnings("unchecked")
    public Exchange aggregate(Exchange batch, Exchange run) {
        List<RowChange> changes = run.getIn().getBody(List.class);
        if (batch == null) {
            run.getIn().setBody(new ArrayList<>(changes));
            return run;
        }
        batch.getIn().getBody(List.class).addAll(changes);
        return batch;
    }
}
