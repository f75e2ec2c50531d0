package org.cdcpipeline.aggregate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consumer per table the aggregates read, made from route template {@value #TEMPLATE} for each table some
 * aggregate reads (its own or a joined one): a table's records are fetched and decoded once, whatever number of
 * aggregates use them. The aggregates are known once their routes are made from the YAML, so the consumers are added
 * when the context has started; each starts as it is added (unless aggregate.enabled is false), after the routes of
 * the aggregates it feeds.
 */
public final class AggregateTopics implements StartupListener {

    static final String TEMPLATE = "aggregate-topic";
    private static final Logger LOG = LoggerFactory.getLogger(AggregateTopics.class);

    private final Supplier<AggregateStats> aggregates;

    public AggregateTopics(Supplier<AggregateStats> aggregates) {
        this.aggregates = aggregates;
    }

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
    }

    @Override
    public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) {
        tables().forEach((table, readers) -> {
            String routeId = TEMPLATE + "-" + table;
            if (context.getRoute(routeId) == null) {
                TemplatedRouteBuilder.builder(context, TEMPLATE).routeId(routeId).parameter("table", table).add();
                // made after Camel's startup summary: said here, so every route the pipeline runs is in the log
                LOG.info("Route {} reads the change events of table {} for aggregates {}", routeId, table, readers);
            }
        });
    }

    /** Every table the aggregates read, with the aggregates that read it (as their own table or a joined one). */
    Map<String, List<String>> tables() {
        Map<String, List<String>> tables = new LinkedHashMap<>();
        for (Aggregate aggregate : aggregates.get().aggregates()) {
            AggregateDefinition definition = aggregate.definition();
            tables.computeIfAbsent(definition.table(), t -> new ArrayList<>()).add(definition.name());
            if (definition.join() != null) {
                tables.computeIfAbsent(definition.join().table(), t -> new ArrayList<>()).add(definition.name());
            }
        }
        return tables;
    }
}
