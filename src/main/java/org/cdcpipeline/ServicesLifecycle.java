package org.cdcpipeline;

import java.time.Duration;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.support.service.ServiceSupport;
import org.cdcpipeline.cdc.CaptureTasks;
import org.cdcpipeline.cdc.PublishedEvents;
import org.cdcpipeline.embedded.EmbeddedServices;

/**
 * Starts the embedded services once the configuration is read and before anything uses it, so that components and
 * beans see the endpoints of the servers actually started; stops them with the Camel context, after the routes.
 */
final class ServicesLifecycle extends MainListenerSupport implements AutoCloseable {

    private final boolean wipeData;
    private volatile EmbeddedServices services;
    /** Stops the servers if the JVM is asked to exit while Camel, whose own hook covers the rest, is still starting. */
    private final Thread stopOnEarlyExit = new Thread(this::close, "embedded-services-stop");

    ServicesLifecycle(boolean wipeData) {
        this.wipeData = wipeData;
    }

    @Override
    public void beforeConfigure(BaseMainSupport main) {
        CamelContext context = main.getCamelContext();
        PropertiesComponent properties = context.getPropertiesComponent();
        // known before it starts, so that a stop during the start stops the servers started so far
        services = new EmbeddedServices();
        Runtime.getRuntime().addShutdownHook(stopOnEarlyExit);
        services.open(key -> properties.resolveProperty(key).orElse(""), wipeData);
        Map<String, String> endpoints = services.endpoints();
        endpoints.forEach(properties::addOverrideProperty);
        context.getRegistry().bind("embeddedServices", services);
        try {
            // a context service is stopped after the routes, and Camel's shutdown hook waits for it on Ctrl-C
            context.addService(new ServiceSupport() {
                @Override
                protected void doStop() {
                    ServicesLifecycle.this.close();
                }
            }, true, true);
        } catch (Exception e) {
            throw new StartupException("Cannot register the embedded services with Camel: " + e.getMessage(), e);
        }
    }

    @Override
    public void afterStart(BaseMainSupport main) {
        try {
            Runtime.getRuntime().removeShutdownHook(stopOnEarlyExit);
        } catch (IllegalStateException e) {
            // already shutting down: the hook runs
        }
    }

    /**
     * Before Camel stops the routes: capture's connector task must have finished starting (Debezium cannot close it
     * before), and capture's last position save must not wait long for Kafka.
     */
    @Override
    public void beforeStop(BaseMainSupport main) {
        CaptureTasks.awaitStarted(main.getCamelContext(), "cdc-capture", Duration.ofSeconds(4));
        PublishedEvents.stopping();
    }

    @Override
    public void close() {
        EmbeddedServices running = services;
        services = null;
        if (running != null) {
            running.close();
        }
    }
}
