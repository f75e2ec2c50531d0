package org.cdcpipeline.doctor;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.management.Attribute;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;

import org.cdcpipeline.Causes;
import org.cdcpipeline.aggregate.AggregateStats;
import org.cdcpipeline.cdc.CaptureRole;
import org.cdcpipeline.management.JmxServer;
import org.cdcpipeline.observe.AggregatesCheck;

/**
 * The state of each route of the running pipeline, read over JMX from the route MBeans Camel registers
 * ({@code org.apache.camel:context=<camel.main.name>,type=routes,name="<routeId>"}), and, when the pipeline runs its
 * readiness check of the aggregates (listed by Camel's health MBean, {@code type=health}), the aggregates that cannot
 * apply a batch, with the state store's error (AggregateStats' service MBean). Attributes only: the read-only JMX user
 * monitor suffices. A pipeline that does not answer is a warning, not a failure: the doctor also runs while the
 * pipeline is stopped on purpose, and in embedded mode the services it runs already fail their own checks.
 */
final class RoutesCheck {

    static final String NAME = "routes";
    private static final long TIMEOUT_MS = 5000;

    private RoutesCheck() {
    }

    static List<CheckResult> run(DoctorSettings settings) {
        if (!settings.flag("jmx.enabled")) {
            return List.of(CheckResult.warn(NAME, "JMX is disabled (jmx.enabled=false): route states not checked",
                    "set JMX_ENABLED=true and restart the pipeline to let the doctor read them"));
        }
        String hostPort = settings.get("jmx.host") + ":" + settings.get("jmx.port");
        JMXConnector connector;
        try {
            // an RMI connection has no timeout of its own: a host that swallows packets must not stall the doctor
            connector = CompletableFuture.supplyAsync(() -> {
                try {
                    return JmxServer.connect(settings::get);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SecurityException s) {
                return List.of(CheckResult.fail(NAME, "the pipeline's JMX server at " + hostPort + " refused the credentials ("
                        + s.getMessage() + ")", "set JMX_MONITOR_PASSWORD to the pipeline's, or JMX_USER and JMX_PASSWORD to a user of its JMX password file"));
            }
            return List.of(notRunning(hostPort, Causes.root(e)));
        } catch (TimeoutException e) {
            return List.of(notRunning(hostPort, e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
        try (connector) {
            return routes(connector.getMBeanServerConnection(), settings.get("camel.main.name"), hostPort);
        } catch (Exception e) {
            return List.of(CheckResult.warn(NAME, "could not read the route MBeans at " + hostPort + " (" + CheckResult.brief(e.getMessage()) + ")",
                    "run doctor again; see the pipeline log"));
        }
    }

    private static List<CheckResult> routes(MBeanServerConnection server, String context, String hostPort) throws Exception {
        Set<ObjectName> names = server.queryNames(new ObjectName("org.apache.camel:context=" + context + ",type=routes,*"), null);
        if (names.isEmpty()) {
            return List.of(CheckResult.warn(NAME, "no routes of Camel context " + context + " over JMX at " + hostPort,
                    "the JMX server belongs to another process, or camel.main.name differs from the pipeline's"));
        }
        Map<String, CheckResult> byRoute = new TreeMap<>();
        CaptureRoleView captureRole = captureRole(server, context);
        for (ObjectName name : names) {
            Map<String, Object> attributes = new HashMap<>();
            for (Attribute a : server.getAttributes(name, new String[] {"RouteId", "State", "AutoStartup"}).asList()) {
                attributes.put(a.getName(), a.getValue());
            }
            String routeId = String.valueOf(attributes.get("RouteId"));
            String state = String.valueOf(attributes.get("State"));
            boolean autoStartup = !Boolean.FALSE.equals(attributes.get("AutoStartup"));
            CheckResult result;
            if (captureRole.controls(routeId) && !"capturing".equals(captureRole.role())) {
                result = "Stopped".equals(state)
                        ? CheckResult.ok(NAME, "route " + routeId + "  Stopped: this instance is " + captureRole.role()
                                + (captureRole.holder().isEmpty() ? "" : ", " + captureRole.holder() + " captures"))
                        : CheckResult.warn(NAME, "route " + routeId + " is " + state + " while this instance is "
                                + captureRole.role(), "see the pipeline log (CaptureRole)");
            } else if ("Started".equals(state)) {
                result = CheckResult.ok(NAME, "route " + routeId + "  Started");
            } else if (!autoStartup && "Stopped".equals(state) && !captureRole.controls(routeId)) {
                result = CheckResult.ok(NAME, "route " + routeId + "  Stopped (off in the configuration)");
            } else {
                String operation = "Suspended".equals(state) ? "resume" : "start";
                result = CheckResult.fail(NAME, "route " + routeId + " is " + state,
                        "see the pipeline log for its error; after fixing the cause " + operation + " it over JMX: echo 'run -b "
                                + name + " " + operation + "' | java -jar jmxterm-1.0.4-uber.jar -l " + hostPort + " -n");
            }
            byRoute.put(routeId, result);
        }
        List<CheckResult> results = new ArrayList<>(byRoute.values());
        results.addAll(aggregates(server, context));
        return results;
    }

    /** Capture's role in the instance (CaptureRole's service MBean): which routes run only where capture runs. */
    private record CaptureRoleView(String role, String holder, Set<String> routes) {
        boolean controls(String routeId) {
            return routes.contains(routeId);
        }
    }

    private static CaptureRoleView captureRole(MBeanServerConnection server, String context) throws Exception {
        for (ObjectName role : server.queryNames(new ObjectName("org.apache.camel:context=" + context
                + ",type=services,name=" + CaptureRole.class.getSimpleName() + "*"), null)) {
            return new CaptureRoleView(String.valueOf(server.getAttribute(role, "Role")),
                    String.valueOf(server.getAttribute(role, "Holder")),
                    Set.of(String.valueOf(server.getAttribute(role, "Routes")).split(",")));
        }
        return new CaptureRoleView("", "", Set.of());
    }

    /** If the pipeline runs the readiness check of the aggregates: FAIL naming the error while a batch cannot apply. */
    private static List<CheckResult> aggregates(MBeanServerConnection server, String context) throws Exception {
        boolean checked = false;
        for (ObjectName health : server.queryNames(new ObjectName("org.apache.camel:context=" + context + ",type=health,*"), null)) {
            checked |= ((Collection<?>) server.getAttribute(health, "HealthChecksIDs")).contains(AggregatesCheck.ID);
        }
        if (!checked) {
            return List.of();
        }
        List<CheckResult> results = new ArrayList<>();
        // a Camel service MBean's name ends in the instance's hash: AggregateStats(0x1b2c3d4e)
        for (ObjectName stats : server.queryNames(new ObjectName("org.apache.camel:context=" + context
                + ",type=services,name=" + AggregateStats.class.getSimpleName() + "*"), null)) {
            String failures = String.valueOf(server.getAttribute(stats, "ApplyFailures"));
            results.add(failures.isEmpty() ? CheckResult.ok(NAME, "aggregates apply their batches")
                    : CheckResult.fail(NAME, CheckResult.brief(failures + "; retried until applied"),
                    "fix the error PostgreSQL reports (the aggregates' state schema, its triggers, disk space, "
                            + "a read-only server); see the pipeline log"));
        }
        return results;
    }

    private static CheckResult notRunning(String hostPort, Throwable cause) {
        return CheckResult.warn(NAME, "pipeline not running or JMX disabled: nothing answers JMX at " + hostPort
                        + " (" + cause.getClass().getSimpleName() + ")",
                "start the pipeline (java -jar target/cdc-pipeline.jar), or set JMX_HOST/JMX_PORT to where it listens");
    }
}
