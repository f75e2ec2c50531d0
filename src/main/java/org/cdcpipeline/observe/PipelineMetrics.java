package org.cdcpipeline.observe;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToLongFunction;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.cdcpipeline.aggregate.Aggregate;
import org.cdcpipeline.aggregate.AggregateStats;
import org.cdcpipeline.aggregate.QualityFigures;
import org.cdcpipeline.archive.ArchiveStats;
import org.cdcpipeline.cdc.CaptureStats;
import org.cdcpipeline.csv.ImportStats;

/**
 * The pipeline's figures as Micrometer meters (Prometheus names in docs/operations.md), read from the stats the stages keep
 * anyway, so counting costs the stages nothing. A table, topic or aggregate gets its meters at the first measurement
 * after it appears.
 */
public final class PipelineMetrics {

    private final MeterRegistry registry;
    private final CaptureStats capture;
    private final ArchiveStats archive;
    private final AggregateStats aggregates;
    private final ImportStats imports;
    /** Meters registered already, by name and key: Micrometer warns when a gauge is registered twice. */
    private final Set<String> registered = ConcurrentHashMap.newKeySet();

    public PipelineMetrics(MeterRegistry registry, CaptureStats capture, ArchiveStats archive,
                           AggregateStats aggregates, ImportStats imports) {
        this.registry = registry;
        this.capture = capture;
        this.archive = archive;
        this.aggregates = aggregates;
        this.imports = imports;
    }

    void refresh(PipelineMonitor monitor) {
        if (registered.add("slot")) {
            Gauge.builder("cdc.slot.lag.bytes", monitor, m -> m.lags().slotLagBytes())
                    .description("WAL held by the replication slot (-1: unknown)").register(registry);
        }
        for (String topic : capture.topics()) {
            if (registered.add("captured " + topic)) {
                FunctionCounter.builder("cdc.events.captured", capture, c -> c.published(topic))
                        .description("change events captured and acknowledged by Kafka")
                        .tags("table", table(topic), "topic", topic).register(registry);
            }
        }
        for (String table : archive.tables()) {
            if (registered.add("archive " + table)) {
                FunctionCounter.builder("archive.objects.written", archive, a -> a.objectsWritten(table))
                        .description("Parquet objects the raw archive wrote to S3").tag("table", table).register(registry);
                FunctionCounter.builder("archive.bytes.written", archive, a -> a.bytesWritten(table))
                        .description("bytes of the Parquet objects the raw archive wrote to S3").tag("table", table)
                        .register(registry);
            }
        }
        for (Aggregate aggregate : aggregates.aggregates()) {
            if (registered.add("aggregate " + aggregate.name())) {
                FunctionCounter.builder("aggregate.updates", aggregate, Aggregate::applied)
                        .description("change events an aggregate has taken (applied, or sent to its dead-letter topic)")
                        .tag("aggregate", aggregate.name()).register(registry);
            }
            if (aggregate.isQuality()) {
                registerQuality(aggregate);
            }
        }
        for (String table : imports.tables().keySet()) {
            if (registered.add("csv " + table)) {
                FunctionCounter.builder("csv.rows.imported", imports, i -> counts(i, table).imported())
                        .description("CSV rows imported (counted when a file completes)").tag("table", table)
                        .register(registry);
                FunctionCounter.builder("csv.rows.rejected", imports, i -> counts(i, table).rejected())
                        .description("CSV rows rejected to a rejects file (counted when a file completes)")
                        .tag("table", table).register(registry);
            }
        }
        for (Lags.GroupTopic key : monitor.lags().consumerLag().keySet()) {
            if (registered.add("lag " + key)) {
                Gauge.builder("kafka.consumer.lag", monitor, m -> m.lags().consumerLag().getOrDefault(key, 0L))
                        .description("records of the topic the consumer group has not consumed yet")
                        .tags("group", key.group(), "topic", key.topic()).register(registry);
            }
        }
        for (String topic : monitor.deadLetters().keySet()) {
            if (registered.add("dead letters " + topic)) {
                FunctionCounter.builder("dead.letters", monitor, m -> m.deadLetters().getOrDefault(topic, 0L))
                        .description("records in the dead-letter topic").tag("topic", topic).register(registry);
            }
        }
    }

    /** A quality aggregate's figures per column, as of its latest snapshot; a column gets its gauges once seen. */
    private void registerQuality(Aggregate aggregate) {
        aggregate.quality().forEach((column, figures) -> {
            if (registered.add("quality " + aggregate.name() + " " + column)) {
                Gauge.builder("quality.rows", aggregate, a -> figure(a, column, QualityFigures.Figures::rows))
                        .description("rows of the table, as of the quality aggregate's latest snapshot")
                        .tags("aggregate", aggregate.name(), "table", aggregate.table(), "column", column).register(registry);
                Gauge.builder("quality.nulls", aggregate, a -> figure(a, column, QualityFigures.Figures::nulls))
                        .description("rows whose column is NULL, as of the quality aggregate's latest snapshot")
                        .tags("aggregate", aggregate.name(), "table", aggregate.table(), "column", column).register(registry);
                if (figures.empty() != null) {
                    Gauge.builder("quality.empty", aggregate, a -> figure(a, column, f -> f.empty() == null ? 0 : f.empty()))
                            .description("rows whose text column is empty, as of the quality aggregate's latest snapshot")
                            .tags("aggregate", aggregate.name(), "table", aggregate.table(), "column", column)
                            .register(registry);
                }
            }
        });
    }

    private static double figure(Aggregate aggregate, String column, ToLongFunction<QualityFigures.Figures> figure) {
        QualityFigures.Figures figures = aggregate.quality().get(column);
        return figures == null ? Double.NaN : figure.applyAsLong(figures);
    }

    private static ImportStats.Counts counts(ImportStats stats, String table) {
        return stats.tables().getOrDefault(table, new ImportStats.Counts(0, 0, 0, 0, 0));
    }

    private static String table(String topic) {
        return topic.substring(topic.lastIndexOf('.') + 1);
    }
}
