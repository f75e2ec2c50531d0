package org.cdcpipeline.cdc;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.cdcpipeline.TestServices;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.cdcpipeline.TestServices.execute;

/**
 * Two instances' roles on the real PostgreSQL, each in a Camel context of its own whose capture routes it starts and
 * stops: one captures, the other stands by; when the capturing one's session ends (the server terminated it), the
 * standby takes over, and the first, finding the lock taken, stops its capture and stands by.
 */
class CaptureRoleIT {

    private static final String SLOT = "role_it";

    @Test
    void shouldHandCaptureOverWhenTheCapturingSessionEnds() throws Exception {
        try (CamelContext first = context(); CamelContext second = context()) {
            CaptureRole a = role(first);
            CaptureRole b = role(second);
            a.check();
            b.check();
            assertThat(a.role()).isEqualTo(CaptureRole.Role.CAPTURING);
            assertThat(started(first)).isTrue();
            assertThat(b.role()).isEqualTo(CaptureRole.Role.STANDBY);
            assertThat(b.getHolder()).startsWith("cdc-pipeline " + SLOT + " ");
            assertThat(started(second)).isFalse();
            b.check();
            assertThat(b.role()).as("still standby while the other holds the lock").isEqualTo(CaptureRole.Role.STANDBY);

            // the capturing instance's session ends (a network cut, the server ended it)
            execute("SELECT pg_terminate_backend(l.pid) FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted "
                    + "AND l.objid = hashtext('" + SLOT + "')::oid AND l.classid = hashtext('cdc-pipeline capture')::oid");
            // the server frees a session's locks once its backend has exited, a moment after the signal
            checkUntil(b, CaptureRole.Role.CAPTURING);
            assertThat(started(second)).isTrue();

            a.check();
            assertThat(a.role()).as("the lock is the other's now").isEqualTo(CaptureRole.Role.STANDBY);
            assertThat(started(first)).as("capture stopped where the lock was lost").isFalse();

            second.getRouteController().stopAllRoutes();
            b.stop(); // its session ends: the lock is free again once the server's backend has exited
            checkUntil(a, CaptureRole.Role.CAPTURING);
            assertThat(started(first)).isTrue();
            a.stop();
        }
    }

    /** Checks as the role route does, until the role is {@code expected}: a standby takes the lock at a later check. */
    private static void checkUntil(CaptureRole role, CaptureRole.Role expected) {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            role.check();
            assertThat(role.role()).isEqualTo(expected);
        });
    }

    /** A context with stand-ins for the capture routes, not started until a role starts them. */
    private static CamelContext context() throws Exception {
        CamelContext context = new DefaultCamelContext();
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("timer:capture?period=60000").routeId("cdc-capture").autoStartup(false).log("capturing");
                from("timer:discovery?period=60000").routeId("cdc-table-discovery").autoStartup(false).log("discovering");
            }
        });
        context.start();
        return context;
    }

    private static CaptureRole role(CamelContext context) throws Exception {
        Map<String, String> e = TestServices.endpoints();
        CaptureLock lock = new CaptureLock(CaptureLock.source(e.get("postgres.host"), Integer.parseInt(e.get("postgres.port")),
                "postgres", "postgres", e.get("postgres.password"), 5), SLOT);
        CaptureRole role = new CaptureRole(lock, context, List.of("cdc-capture", "cdc-table-discovery"));
        context.addService(role, true, true);
        context.addStartupListener(role);
        return role;
    }

    private static boolean started(CamelContext context) {
        return context.getRouteController().getRouteStatus("cdc-capture").isStarted()
                && context.getRouteController().getRouteStatus("cdc-table-discovery").isStarted();
    }
}
