package org.cdcpipeline;

import java.util.List;
import java.util.Set;

import org.apache.camel.CamelContext;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.main.MainSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * For --once: waits until every part of the pipeline reports it has processed what is available and no exchange is in
 * flight, then prints the summary and shuts the pipeline down.
 */
final class OnceRun extends MainListenerSupport {

    static final int TIMED_OUT = 3;
    private static final long REPORT_EVERY_NANOS = 30_000_000_000L;
    private static final Logger LOG = LoggerFactory.getLogger(OnceRun.class);

    private volatile int exitCode;
    private volatile Set<RunReport> reports = Set.of();

    @Override
    public void afterStart(BaseMainSupport main) {
        CamelContext context = main.getCamelContext();
        reports = context.getRegistry().findByType(RunReport.class);
        long timeoutSeconds = Long.parseLong(context.getPropertiesComponent()
                .resolveProperty("pipeline.once.timeout-seconds").orElse("600"));
        Thread waiter = new Thread(() -> awaitDrained(context, (MainSupport) main, timeoutSeconds), "once-run");
        waiter.setDaemon(true);
        waiter.start();
    }

    private void awaitDrained(CamelContext context, MainSupport main, long timeoutSeconds) {
        long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        long nextReport = System.nanoTime() + REPORT_EVERY_NANOS;
        int quietChecks = 0;
        try {
            while (quietChecks < 2) {
                if (System.nanoTime() > nextReport) {
                    logWaiting(context);
                    nextReport = System.nanoTime() + REPORT_EVERY_NANOS;
                }
                if (System.nanoTime() > deadline) {
                    LOG.error("--once: not everything was processed within {} s (pipeline.once.timeout-seconds); "
                            + "see the errors above", timeoutSeconds);
                    logWaiting(context);
                    exitCode = TIMED_OUT;
                    break;
                }
                Thread.sleep(500);
                boolean quiet = context.getInflightRepository().size() == 0
                        && reports.stream().allMatch(RunReport::drained);
                quietChecks = quiet ? quietChecks + 1 : 0;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        printSummary();
        main.completed();
    }

    private void logWaiting(CamelContext context) {
        List<String> waiting = new java.util.ArrayList<>();
        reports.forEach(r -> {
            String what = r.waitingFor();
            if (what != null) {
                waiting.add(what);
            }
        });
        if (context.getInflightRepository().size() > 0) {
            waiting.add(context.getInflightRepository().size() + " exchanges in flight");
        }
        LOG.info("--once still waits for: {}", waiting.isEmpty() ? "nothing (checking again)" : String.join("; ", waiting));
    }

    private void printSummary() {
        StringBuilder b = new StringBuilder("\n=== cdc-pipeline --once summary ===============================================\n");
        reports.stream().sorted((a, c) -> a.getClass().getName().compareTo(c.getClass().getName())).forEach(r -> {
            for (String line : r.summary()) {
                b.append(line).append('\n');
            }
            if (exitCode == 0) {
                exitCode = r.exitCode();
            }
        });
        b.append("==============================================================================");
        System.out.println(b);
    }

    int exitCode() {
        return exitCode;
    }

}
