package org.cdcpipeline.dashboard;

import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpEngine;

/**
 * The platform-http engine of the dashboard's routes, bound to the dashboard's server by its port. Camel 4.17's engine
 * finds its server as the only one of its type, falling back to port 8080: with the management server (health,
 * metrics) running too there are two, and the routes would look for a server on 8080.
 */
public final class DashboardHttpEngine extends VertxPlatformHttpEngine {

    private final int port;

    public DashboardHttpEngine(int port) {
        this.port = port;
    }

    @Override
    public int getServerPort() {
        return port;
    }
}
