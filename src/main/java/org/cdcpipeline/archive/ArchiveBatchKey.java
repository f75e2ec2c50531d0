package org.cdcpipeline.archive;

import org.apache.camel.Exchange;
import org.apache.camel.support.ExpressionAdapter;

/** The batch a run of admitted changes belongs to (the aggregator's correlation), read without reflection. */
public final class ArchiveBatchKey extends ExpressionAdapter {

    @Override
    public Object evaluate(Exchange exchange) {
        return exchange.getIn().getBody(ArchiveBatch.class).batchKey();
    }
}
