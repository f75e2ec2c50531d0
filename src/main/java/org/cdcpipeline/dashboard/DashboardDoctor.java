package org.cdcpipeline.dashboard;

import java.util.function.Function;

import org.cdcpipeline.doctor.Doctor;

/**
 * Runs the doctor's checks on the running pipeline's configuration for the dashboard's flow panel, only while someone
 * looks at it: each run connects to PostgreSQL, Kafka, S3 and JMX, which a pipeline nobody watches need not pay for.
 */
public final class DashboardDoctor {

    /** A page polls every second: one not seen for this long is closed. */
    private static final long WATCHED_NANOS = 10_000_000_000L;

    private final Function<String, String> config;
    private final FlowHistory flow;
    private final long intervalNanos;
    private long lastRunNanos;
    private boolean ran;

    /** @param intervalMillis the checks run at most this often */
    public DashboardDoctor(Function<String, String> config, FlowHistory flow, long intervalMillis) {
        this.config = config;
        this.flow = flow;
        this.intervalNanos = intervalMillis * 1_000_000L;
    }

    /** Called often (route dashboard-doctor): runs the checks when a page is open and the last run is old enough. */
    public void run() {
        long now = System.nanoTime();
        if (!flow.viewedWithin(WATCHED_NANOS) || (ran && now - lastRunNanos < intervalNanos)) {
            return;
        }
        ran = true;
        lastRunNanos = now;
        flow.doctorChecked(Doctor.checks(config));
    }
}
