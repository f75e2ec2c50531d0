package org.cdcpipeline.dashboard;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
    private volatile DoctorChecks doctor;

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
        stages.computeIfAbsent("csv-import", id -> new Series("CSV import", "rows/s", imports::rowsWritten));
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
        doctor = new DoctorChecks(Instant.now().toString(), List.copyOf(checks));
    }

    /** The flow as the page reads it (dashboard/CONTRACT in docs/dashboard.md): its fields in this order. */
    record Flow(String now, long intervalMs, long lagIntervalMs, List<Stage> stages, long slotLagBytes,
            List<Double> slotLagHistory, List<PipelineMonitor.ConsumerLag> consumerLag, LastObject lastObject,
            List<DeadLetters> deadLetters, DoctorChecks doctor) {
    }

    /** A stage's counter and its rates per second, oldest first. */
    record Stage(String id, String label, String unit, long total, List<Double> rates) {
    }

    /** The archive's newest object and how long ago it was written. */
    record LastObject(String key, double ageSeconds) {
    }

    /** Records waiting in a dead-letter topic. */
    record DeadLetters(String topic, long records) {
    }

    /** The doctor's latest checks and when they ran. */
    record DoctorChecks(String checkedAt, List<CheckResult> checks) {
    }

    /** The flow as JSON. */
    public String json() throws JsonProcessingException {
        lastViewedNanos = System.nanoTime();
        String now = Instant.now().toString();
        List<Stage> list = new ArrayList<>();
        long slotLagBytes;
        List<Double> slotLagHistory;
        synchronized (this) {
            stages.forEach((id, series) -> list.add(
                    new Stage(id, series.label, series.unit, series.total, series.rates.oldestFirst())));
            slotLagBytes = monitor.slotLagBytes();
            slotLagHistory = slotLag.oldestFirst();
        }
        ArchiveStats.LastObject last = archive.lastObject();
        List<DeadLetters> letters = new ArrayList<>();
        new TreeMap<>(monitor.deadLetters()).forEach((topic, records) -> letters.add(new DeadLetters(topic, records)));
        return JSON.writeValueAsString(new Flow(now, intervalMillis, lagIntervalMillis, list, slotLagBytes,
                slotLagHistory, monitor.consumerLags(), last == null ? null : new LastObject(String.valueOf(last.key()),
                        (System.currentTimeMillis() - last.writtenAtMillis()) / 1000.0),
                letters, doctor));
    }
}
