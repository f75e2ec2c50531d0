package org.cdcpipeline.archive;

import org.apache.camel.Exchange;
import org.apache.camel.support.ExpressionAdapter;

/** The batch an admitted change belongs to (the aggregator's correlation), read without reflection per record. */
public final class ArchiveBatchKey extends ExpressionAdapter {

    @Override
    public Object evaluate(Exchange exchange) {
        return exchange.getIn().getBody(AdmittedChange.class).batchKey();
    }
}
