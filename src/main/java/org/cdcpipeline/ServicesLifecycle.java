package org.cdcpipeline;

import java.time.Duration;

import org.apache.camel.CamelContext;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListenerSupport;
import org.cdcpipeline.cdc.CaptureTasks;
import org.cdcpipeline.cdc.PublishedEvents;
import org.cdcpipeline.embedded.EmbeddedServices;

/**
 * The pipeline's part in Camel Main's start and stop, for {@code java -jar} and {@code camel run} alike (named in
 * camel.main.main-listener-classes). The embedded services start with the beans ({@link EmbeddedServicesConfiguration}).
 */
public final class ServicesLifecycle extends MainListenerSupport implements AutoCloseable {

    private final boolean wipeData;
    private volatile CamelContext context;

    /** As {@code camel run} creates it: the embedded services keep their data. */
    public ServicesLifecycle() {
        this(false);
    }

    ServicesLifecycle(boolean wipeData) {
        this.wipeData = wipeData;
    }

    /** java -jar only: {@code camel run} adds its listeners once this step has passed. */
    @Override
    public void beforeConfigure(BaseMainSupport main) {
        context = main.getCamelContext();
        if (wipeData) {
            context.getPropertiesComponent().addOverrideProperty(EmbeddedServicesConfiguration.WIPE_DATA, "true");
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

    /** After a start that failed once the embedded services were up (they stop with the context otherwise). */
    @Override
    public void close() {
        CamelContext started = context;
        EmbeddedServices services = started == null ? null
                : started.getRegistry().lookupByNameAndType(EmbeddedServicesConfiguration.NAME, EmbeddedServices.class);
        if (services != null) {
            services.close();
        }
    }
}
