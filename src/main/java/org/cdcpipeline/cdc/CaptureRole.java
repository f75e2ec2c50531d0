package org.cdcpipeline.cdc;

import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

import org.apache.camel.CamelContext;
import org.apache.camel.ExtendedStartupListener;
import org.apache.camel.api.management.ManagedAttribute;
import org.apache.camel.api.management.ManagedResource;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which of several instances with the same settings captures. The replication slot admits one reader; the instance
 * that captures holds {@link CaptureLock}, and the others are standby: at every check they try the lock again.
 * PostgreSQL frees the lock when its session ends (the capturing instance stops, is killed, or loses the server).
 * A standby that gets it starts capture once the slot has no reader left, so Debezium starts from the position the
 * last reader saved (the offsets table, cdc.offsets-table) and the slot it left, never while another still moves them.
 * An instance that lost its session and finds the lock taken by another stops its capture and becomes standby; one
 * that cannot reach PostgreSQL keeps its role (capture reconnects by itself).
 */
@ManagedResource(description = "Capture's role in this instance: capturing, or standby while another captures")
public final class CaptureRole extends ServiceSupport implements ExtendedStartupListener {

    /** What this instance does for capture. */
    public enum Role {
        /** Not decided yet: the first check has not run, or could not reach PostgreSQL. */
        STARTING,
        /** Another instance holds the lock: this one waits to take over. */
        STANDBY,
        /** This instance holds the lock; the slot still has a reader that has not let go. */
        TAKING_OVER,
        /** This instance holds the lock and runs capture. */
        CAPTURING;

        public String label() {
            return name().toLowerCase().replace('_', ' ');
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(CaptureRole.class);

    private final CaptureLock lock;
    private final CamelContext context;
    private final List<String> routes;
    private volatile Role role = Role.STARTING;
    /** Routes started while Camel still starts the others are taken as not started when it is done (camel run). */
    private volatile boolean contextStarted;
    /** Whether the lock was taken by a standby (a take-over) rather than at this instance's start. */
    private boolean fromStandby;
    private volatile String holder = "";
    private String lastProblem;

    /** @param routes the routes that run only where capture runs, started and stopped in this order (reversed) */
    public CaptureRole(CaptureLock lock, CamelContext context, List<String> routes) {
        this.lock = lock;
        this.context = context;
        this.routes = List.copyOf(routes);
    }

    public Role role() {
        return role;
    }

    @ManagedAttribute(description = "capturing, standby, taking over or starting")
    public String getRole() {
        return role.label();
    }

    @ManagedAttribute(description = "The instance that holds capture's lock, as PostgreSQL shows it (empty: none)")
    public String getHolder() {
        return holder;
    }

    @ManagedAttribute(description = "This instance, as PostgreSQL shows it")
    public String getInstance() {
        return lock.instance();
    }

    @ManagedAttribute(description = "The routes that run only in the capturing instance")
    public String getRoutes() {
        return String.join(",", routes);
    }

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        // while Camel starts: the routes capture hands its events to are not all started yet; already started: a
        // listener added later, when they are
        if (alreadyStarted) {
            contextStarted = true;
        }
    }

    /** The first check, as soon as every route has started: a single instance captures at once. */
    @Override
    public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) {
        contextStarted = true;
        check();
    }

    /** One step of the role: called every cdc.role-check-interval-ms, and once every route has started. */
    public synchronized void check() {
        if (!contextStarted || !isRunAllowed() || context.isStopping() || context.isStopped()) {
            return;
        }
        try {
            switch (role) {
                case CAPTURING -> keep();
                case TAKING_OVER -> takeOver();
                case STARTING, STANDBY -> {
                    if (lock.tryAcquire()) {
                        fromStandby = role == Role.STANDBY;
                        role = Role.TAKING_OVER;
                        takeOver();
                    } else {
                        standby();
                    }
                }
            }
            lastProblem = null;
        } catch (SQLException | RuntimeException e) {
            String problem = String.valueOf(e.getMessage());
            if (!problem.equals(lastProblem)) {
                LOG.warn("Cannot decide capture's role now ({}): {}; checking again", problem,
                        role == Role.CAPTURING ? "capture goes on" : "this instance does not capture meanwhile");
            }
            lastProblem = problem;
        }
    }

    private void keep() throws SQLException {
        if (lock.sessionAlive()) {
            return;
        }
        lock.close();
        if (lock.tryAcquire()) {
            LOG.warn("The session holding capture's lock ended; took the lock again: {} still captures", lock.instance());
            return;
        }
        Optional<String> other = lock.holder();
        holder = other.orElse("");
        LOG.warn("Capture's lock was taken by {} while this instance had lost its session: capture stops here, "
                + "this instance is standby", holder);
        stopRoutes();
        role = Role.STANDBY;
    }

    private void takeOver() throws SQLException {
        Optional<String> reader = lock.slotReader();
        if (reader.isPresent()) {
            if (!holder.equals(lock.instance())) {
                LOG.info("Capture's lock taken; waiting for the last reader of the replication slot (walsender PID {}) "
                        + "to let go", reader.get());
            }
            holder = lock.instance();
            return;
        }
        holder = lock.instance();
        startRoutes();
        role = Role.CAPTURING;
        LOG.info(fromStandby ? "Capturing: {} took capture over, from the position the last reader saved"
                : "Capturing: {} reads the replication slot", lock.instance());
    }

    private void standby() throws SQLException {
        String current = lock.holder().orElse("another instance");
        if (role != Role.STANDBY || !current.equals(holder)) {
            LOG.info("Standby: {} captures; {} takes over when it stops", current, lock.instance());
        }
        holder = current;
        role = Role.STANDBY;
    }

    private void startRoutes() {
        for (String route : routes) {
            try {
                context.getRouteController().startRoute(route);
            } catch (Exception e) {
                throw new IllegalStateException("could not start route " + route + ": " + e.getMessage(), e);
            }
        }
    }

    private void stopRoutes() {
        for (int i = routes.size() - 1; i >= 0; i--) {
            String route = routes.get(i);
            try {
                context.getRouteController().stopRoute(route);
            } catch (Exception e) {
                LOG.warn("Could not stop route {}: {}", route, e.getMessage());
            }
        }
    }

    @Override
    protected void doStop() {
        // after the routes: capture has saved its last position, and the next instance starts from it
        lock.close();
    }
}
