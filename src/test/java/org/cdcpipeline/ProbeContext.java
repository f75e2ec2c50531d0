package org.cdcpipeline;

import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;

/** A Camel context (not started) with one idle route, whose MBeans JMX tests read and act on. */
public final class ProbeContext {

    private ProbeContext() {
    }

    public static DefaultCamelContext withRoute(String contextName, String routeId) throws Exception {
        DefaultCamelContext camel = new DefaultCamelContext();
        camel.getCamelContextExtension().setName(contextName);
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("timer:" + routeId + "?period=60000").routeId(routeId).to("log:" + routeId);
            }
        });
        return camel;
    }
}
