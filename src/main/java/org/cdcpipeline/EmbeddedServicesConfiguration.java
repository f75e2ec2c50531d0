package org.cdcpipeline;

import java.util.function.Function;

import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.support.LifecycleStrategySupport;
import org.cdcpipeline.embedded.EmbeddedServices;

/**
 * The embedded default, the same for {@code java -jar} and the Camel CLI's {@code camel run}: a PostgreSQL, Kafka
 * broker and S3 server on 127.0.0.1 for every endpoint the configuration leaves empty (postgres.host,
 * kafka.bootstrap-servers, s3.endpoint). Camel Main builds the beans of camel.main.configuration-classes in the order
 * listed, before it configures the components and adds the routes; this class is listed first, so every other bean,
 * component and route sees the endpoints of the servers started here. They stop with the Camel context, after the
 * routes.
 */
public final class EmbeddedServicesConfiguration implements CamelConfiguration {

    /** true: the embedded services' data is deleted before they start ({@code java -jar ... --wipe-data} sets it). */
    static final String WIPE_DATA = "pipeline.wipe-data";

    /** The bean's name, for the banner and a stop after a failed start. */
    static final String NAME = "embeddedServices";

    @BindToRegistry(NAME)
    public EmbeddedServices embeddedServices(CamelContext context) {
        // Camel Main post-processes a configuration class twice: when it creates it, and again before configure()
        EmbeddedServices started = context.getRegistry().lookupByNameAndType(NAME, EmbeddedServices.class);
        if (started != null) {
            return started;
        }
        // The Camel CLI loads this project's jar in a class loader of its own; Kafka and Debezium look classes up
        // through the context class loader of the threads that create them, which all descend from this one.
        Thread.currentThread().setContextClassLoader(EmbeddedServicesConfiguration.class.getClassLoader());
        PropertiesComponent properties = context.getPropertiesComponent();
        Function<String, String> config = key -> properties.resolveProperty(key).orElse("");
        // known before they start, so that a stop during the start stops the servers started so far
        EmbeddedServices services = new EmbeddedServices();
        // Camel's own shutdown hook stops a context that has started; until then, this one stops the servers
        Thread stopOnEarlyExit = new Thread(services::close, "embedded-services-stop");
        Runtime.getRuntime().addShutdownHook(stopOnEarlyExit);
        context.addLifecycleStrategy(new LifecycleStrategySupport() {
            @Override
            public void onContextStarted(CamelContext started) {
                try {
                    Runtime.getRuntime().removeShutdownHook(stopOnEarlyExit);
                } catch (IllegalStateException e) {
                    // already shutting down: the hook runs
                }
            }

            /** After the routes and the context's services (the clients of these servers) have stopped. */
            @Override
            public void onContextStopped(CamelContext stopped) {
                services.close();
            }
        });
        services.open(config, Boolean.parseBoolean(config.apply(WIPE_DATA)));
        services.endpoints().forEach(properties::addOverrideProperty);
        return services;
    }
}
