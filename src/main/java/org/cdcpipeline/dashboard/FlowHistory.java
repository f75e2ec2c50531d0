package org.cdcpipeline.dashboard;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.cdcpipeline.aggregate.Aggregate;
import org.cdcpipeline.aggregate.AggregateStats;
import org.cdcpipeline.archive.ArchiveStats;
import org.cdcpipeline.cdc.CaptureStats;
import org.cdcpipeline.csv.ImportStats;
import org.cdcpipeline.doctor.CheckResult;
import org.cdcpipeline.observe.PipelineMonitor;

/**
 * The pipeline's flow over the last minutes, for the dashboard: each stage's counter (the stats the stages keep
 * anyway) sampled once a second (route dashboard-flow) into a rate per second, the slot lag beside them, and the
 * latest consumer lags, dead letters, archive object and doctor checks (run while a page looks, {@link DashboardDoctor}). A sample reads a few counters: it costs the
 * stages nothing.
 */
public final class FlowHistory {

    /** Samples kept: five minutes at one a second. */
    static final int SAMPLES = 300;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ImportStats imports;
    private final CaptureStats capture;
    private final ArchiveStats archive;
    private final AggregateStats aggregates;
    private final PipelineMonitor monitor;
    private final long intervalMillis;
    private final long lagIntervalMillis;
    private final Map<String, Series> stages = new LinkedHashMap<>();
    private final Ring slotLag = new Ring();
    private long lastSampleNanos;
    private volatile long lastViewedNanos;
    private volatile List<CheckResult> doctor;
    private volatile Instant doctorAt;

    public FlowHistory(ImportStats imports, CaptureStats capture, ArchiveStats archive, AggregateStats aggregates,
                       PipelineMonitor monitor, long intervalMillis, long lagIntervalMillis) {
        this.imports = imports;
        this.capture = capture;
        this.archive = archive;
        this.aggregates = aggregates;
        this.monitor = monitor;
        this.intervalMillis = intervalMillis;
        this.lagIntervalMillis = lagIntervalMillis;
    }

    /** One stage's counter and its rates, oldest first. */
    private static final class Series {
        final String label;
        final String unit;
        final LongSupplier counter;
        long total;
        final Ring rates = new Ring();

        Series(String label, String unit, LongSupplier counter) {
            this.label = label;
            this.unit = unit;
            this.counter = counter;
            this.total = counter.getAsLong();
        }
    }

    /** The last {@link #SAMPLES} values. */
    private static final class Ring {
        final double[] values = new double[SAMPLES];
        int next;
        int size;

        void add(double value) {
            values[next] = value;
            next = (next + 1) % SAMPLES;
            size = Math.min(SAMPLES, size + 1);
        }

        List<Double> oldestFirst() {
            List<Double> list = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                list.add(values[(next - size + i + SAMPLES) % SAMPLES]);
            }
            return list;
        }
    }

    /** Takes one sample of every stage's counter (a stage or aggregate that appeared since joins now). */
    public synchronized void sample() {
        long now = System.nanoTime();
        double seconds = lastSampleNanos == 0 ? 0 : (now - lastSampleNanos) / 1e9;
        lastSampleNanos = now;
        stages.computeIfAbsent("csv-import", id -> new Series("CSV import", "rows/s", this::imported));
        stages.computeIfAbsent("capture", id -> new Series("Capture", "events/s", this::captured));
        stages.computeIfAbsent("archive", id -> new Series("Raw archive", "events/s", archive::rowsWritten));
        for (Aggregate aggregate : aggregates.aggregates()) {
            stages.computeIfAbsent("aggregate:" + aggregate.name(),
                    id -> new Series(aggregate.name(), "changes/s", aggregate::applied));
        }
        for (Series series : stages.values()) {
            long total = series.counter.getAsLong();
            series.rates.add(seconds > 0 ? Math.max(0, total - series.total) / seconds : 0);
            series.total = total;
        }
        slotLag.add(monitor.slotLagBytes());
    }

    private long imported() {
        return imports.tables().values().stream().mapToLong(ImportStats.Counts::imported).sum();
    }

    private long captured() {
        return capture.topics().stream().mapToLong(capture::published).sum();
    }

    /** Whether a page asked for the flow within the last {@code nanos}. */
    boolean viewedWithin(long nanos) {
        long viewed = lastViewedNanos;
        return viewed != 0 && System.nanoTime() - viewed < nanos;
    }

    /** The doctor's latest checks. */
    public void doctorChecked(List<CheckResult> checks) {
        doctor = List.copyOf(checks);
        doctorAt = Instant.now();
    }

    /** The flow as the page reads it (dashboard/CONTRACT in docs/dashboard.md). */
    public String json() throws JsonProcessingException {
        lastViewedNanos = System.nanoTime();
        Map<String, Object> flow = new LinkedHashMap<>();
        flow.put("now", Instant.now().toString());
        flow.put("intervalMs", intervalMillis);
        flow.put("lagIntervalMs", lagIntervalMillis);
        synchronized (this) {
            List<Map<String, Object>> list = new ArrayList<>();
            stages.forEach((id, series) -> {
                Map<String, Object> stage = new LinkedHashMap<>();
                stage.put("id", id);
                stage.put("label", series.label);
                stage.put("unit", series.unit);
                stage.put("total", series.total);
                stage.put("rates", series.rates.oldestFirst());
                list.add(stage);
            });
            flow.put("stages", list);
            flow.put("slotLagBytes", monitor.slotLagBytes());
            flow.put("slotLagHistory", slotLag.oldestFirst());
        }
        List<Map<String, Object>> lags = new ArrayList<>();
        for (PipelineMonitor.ConsumerLag lag : monitor.consumerLags()) {
            Map<String, Object> l = new LinkedHashMap<>();
            l.put("group", lag.group());
            l.put("topic", lag.topic());
            l.put("records", lag.records());
            lags.add(l);
        }
        flow.put("consumerLag", lags);
        ArchiveStats.LastObject last = archive.lastObject();
        flow.put("lastObject", last == null ? null : Map.of("key", String.valueOf(last.key()),
                "ageSeconds", (System.currentTimeMillis() - last.writtenAtMillis()) / 1000.0));
        List<Map<String, Object>> letters = new ArrayList<>();
        new java.util.TreeMap<>(monitor.deadLetters()).forEach((topic, records) -> {
            Map<String, Object> l = new LinkedHashMap<>();
            l.put("topic", topic);
            l.put("records", records);
            letters.add(l);
        });
        flow.put("deadLetters", letters);
        flow.put("doctor", doctorView());
        return JSON.writeValueAsString(flow);
    }

    private Map<String, Object> doctorView() {
        List<CheckResult> checks = doctor;
        if (checks == null) {
            return null;
        }
        List<Map<String, Object>> list = new ArrayList<>();
        for (CheckResult check : checks) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("status", check.status().name());
            c.put("component", check.component());
            c.put("detail", check.detail());
            c.put("fix", check.fix());
            list.add(c);
        }
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("checkedAt", doctorAt.toString());
        view.put("checks", list);
        return view;
    }
}
