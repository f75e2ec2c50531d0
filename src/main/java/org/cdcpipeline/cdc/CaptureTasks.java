package org.cdcpipeline.cdc;

import java.lang.management.ManagementFactory;
import java.time.Duration;

import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

import org.apache.camel.CamelContext;
import org.apache.camel.ServiceStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Debezium's engine refuses to close while its connector task is still starting ("Cannot stop engine while tasks are
 * starting"), and its thread then outlives the stop by many seconds. A stop asked for right after the start waits here
 * until the task has started: the task registers its snapshot and streaming metrics MBeans at the end of its start.
 */
public final class CaptureTasks {

    private static final Logger LOG = LoggerFactory.getLogger(CaptureTasks.class);
    private static final ObjectName METRICS = name("debezium.postgres:type=connector-metrics,*");

    private CaptureTasks() {
    }

    /** Waits at most {@code max} for the capture route's connector task to have started; returns at once without one. */
    public static void awaitStarted(CamelContext context, String routeId, Duration max) {
        if (context.getRouteController().getRouteStatus(routeId) != ServiceStatus.Started) {
            return;
        }
        long deadline = System.nanoTime() + max.toNanos();
        while (ManagementFactory.getPlatformMBeanServer().queryNames(METRICS, null).isEmpty()) {
            if (System.nanoTime() > deadline) {
                LOG.info("Capture's connector task has not started within {} ms; stopping it all the same", max.toMillis());
                return;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static ObjectName name(String pattern) {
        try {
            return new ObjectName(pattern);
        } catch (MalformedObjectNameException e) {
            throw new IllegalStateException(e);
        }
    }
}
