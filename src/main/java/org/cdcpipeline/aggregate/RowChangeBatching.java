package org.cdcpipeline.aggregate;

import java.util.ArrayList;
import java.util.List;

import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;

/**
 * Gathers runs of changes (a poll's, or a dead letter's position) into one batch to apply, in the order they come,
 * and keeps the batch's size in the exchange property {@value #SIZE}: the completion predicate reads that, not
 * {@code ${body.size()}}, which Camel evaluates by introspecting the body, hashing the whole list, at every run.
 */
public final class RowChangeBatching implements AggregationStrategy {

    /** The number of changes in the batch so far. */
    public static final String SIZE = "aggregateBatchSize";

    @Override
    @SuppressWarnings("unchecked")
    public Exchange aggregate(Exchange batch, Exchange run) {
        List<RowChange> changes = run.getIn().getBody(List.class);
        if (batch == null) {
            List<RowChange> first = new ArrayList<>(changes);
            run.getIn().setBody(first);
            run.setProperty(SIZE, first.size());
            return run;
        }
        List<RowChange> all = batch.getIn().getBody(List.class);
        all.addAll(changes);
        batch.setProperty(SIZE, all.size());
        return batch;
    }
}
