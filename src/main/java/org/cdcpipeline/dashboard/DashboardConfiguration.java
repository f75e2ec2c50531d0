package org.cdcpipeline.dashboard;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.PlatformHttpComponent;
import org.apache.camel.spi.Registry;
import org.cdcpipeline.OwnerOnly;
import org.cdcpipeline.PipelineConfiguration;
import org.cdcpipeline.StartupException;
import org.cdcpipeline.aggregate.AggregateStats;
import org.cdcpipeline.archive.ArchiveStats;
import org.cdcpipeline.cdc.CaptureStats;
import org.cdcpipeline.csv.ImportStats;
import org.cdcpipeline.embedded.PortGuard;
import org.cdcpipeline.observe.PipelineMonitor;

/**
 * The dashboard's beans (routes/dashboard.camel.yaml serves them), and its address rule: like every control surface
 * it listens on loopback unless authentication is configured. Runs after {@code ObservabilityConfiguration}, whose
 * lag monitor it reads.
 */
public final class DashboardConfiguration implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) throws Exception {
        Function<String, String> config = PipelineConfiguration.config(context);
        if (Boolean.parseBoolean(config.apply("dashboard.enabled"))) {
            checkAccess(config);
            // Camel's server would only log a failed bind and run on without the page
            PortGuard.requireFree(InetAddress.getByName(config.apply("dashboard.host")),
                    Integer.parseInt(config.apply("dashboard.port")), "the dashboard", "DASHBOARD_PORT");
            context.getComponent("platform-http", PlatformHttpComponent.class)
                    .setEngine(new DashboardHttpEngine(Integer.parseInt(config.apply("dashboard.port"))));
        }
        Registry beans = context.getRegistry();
        AggregateStats aggregates = beans.lookupByNameAndType("aggregateStats", AggregateStats.class);
        FlowHistory flow = new FlowHistory(beans.lookupByNameAndType("importStats", ImportStats.class),
                beans.lookupByNameAndType("captureStats", CaptureStats.class),
                beans.lookupByNameAndType("archiveStats", ArchiveStats.class), aggregates,
                beans.lookupByNameAndType("pipelineMonitor", PipelineMonitor.class),
                Long.parseLong(config.apply("dashboard.sample-interval-ms")),
                Long.parseLong(config.apply("observe.lag-interval-ms")));
        beans.bind("flowHistory", flow);
        beans.bind("aggregateViews", new AggregateViews(aggregates,
                Long.parseLong(config.apply("dashboard.min-read-interval-ms"))));
        beans.bind("dashboardFiles", new DashboardFiles());
        beans.bind("dashboardDoctor", new DashboardDoctor(config, flow,
                Long.parseLong(config.apply("dashboard.doctor-interval-ms"))));
    }

    /**
     * Anyone who reaches the page reads the aggregates (customer names among them): another address than loopback
     * needs users, in a file only the pipeline's user can read.
     */
    static void checkAccess(Function<String, String> config) throws IOException {
        String host = config.apply("dashboard.host");
        boolean authentication = Boolean.parseBoolean(config.apply("dashboard.authentication"));
        if (authentication) {
            String users = config.apply("dashboard.users-file");
            if (users.isBlank() || !Files.isRegularFile(Path.of(users))) {
                throw new StartupException("DASHBOARD_AUTHENTICATION is true but DASHBOARD_USERS_FILE ('" + users
                        + "') is no file: give a file of lines user.<name>=<password>,<role> (docs/dashboard.md)");
            }
            requireOwnerOnly(Path.of(users));
        } else if (!isLoopback(host)) {
            throw new StartupException("The dashboard on " + host + " (DASHBOARD_HOST) can be reached from other "
                    + "machines without a password: set DASHBOARD_AUTHENTICATION=true and DASHBOARD_USERS_FILE (a file "
                    + "of lines user.<name>=<password>,<role>), or DASHBOARD_HOST=127.0.0.1");
        }
    }

    private static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new StartupException("DASHBOARD_HOST '" + host + "' is no address of this machine: " + e.getMessage(), e);
        }
    }

    private static void requireOwnerOnly(Path file) throws IOException {
        if (OwnerOnly.othersMayAccess(file)) {
            throw new StartupException("Dashboard users file " + file + " can be read or changed by other users: "
                    + "chmod 600 " + file);
        }
    }
}
