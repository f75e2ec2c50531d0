package org.cdcpipeline.aggregate;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Supplier;

import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.builder.TemplatedRouteBuilder;

/**
 * One consumer per table the aggregates read, made from route template {@value #TEMPLATE} for each table some
 * aggregate reads (its own or a joined one): a table's records are fetched and decoded once, whatever number of
 * aggregates use them. The aggregates are known once their routes are made from the YAML, so the consumers are added
 * when the context has started; each starts as it is added (unless aggregate.enabled is false), after the routes of
 * the aggregates it feeds.
 */
public final class AggregateTopics implements StartupListener {

    static final String TEMPLATE = "aggregate-topic";

    private final Supplier<AggregateStats> aggregates;

    public AggregateTopics(Supplier<AggregateStats> aggregates) {
        this.aggregates = aggregates;
    }

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
    }

    @Override
    public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) {
        for (String table : tables()) {
            String routeId = TEMPLATE + "-" + table;
            if (context.getRoute(routeId) == null) {
                TemplatedRouteBuilder.builder(context, TEMPLATE).routeId(routeId).parameter("table", table).add();
            }
        }
    }

    /** Every table the aggregates read. */
    Set<String> tables() {
        Set<String> tables = new LinkedHashSet<>();
        for (Aggregate aggregate : aggregates.get().aggregates()) {
            tables.add(aggregate.definition().table());
            if (aggregate.definition().join() != null) {
                tables.add(aggregate.definition().join().table());
            }
        }
        return tables;
    }
}
