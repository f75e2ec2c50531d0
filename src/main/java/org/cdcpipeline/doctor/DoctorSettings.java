package org.cdcpipeline.doctor;

import java.util.Map;
import java.util.function.Function;

import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.impl.DefaultCamelContext;
import org.cdcpipeline.Pipeline;
import org.cdcpipeline.embedded.EmbeddedServices;

/**
 * The pipeline's configuration as the doctor reads it: application.properties, overrides, -D system properties and
 * environment variables, resolved by Camel's properties component exactly as for the pipeline. An empty endpoint
 * (embedded mode) becomes the loopback endpoint and development credentials of a running pipeline's embedded server.
 */
final class DoctorSettings {

    private final Function<String, String> configured;
    private final Map<String, String> embedded;

    private DoctorSettings(Function<String, String> configured, Map<String, String> embedded) {
        this.configured = configured;
        this.embedded = embedded;
    }

    /** @param overrides properties that win over application.properties (as for {@code Pipeline}) */
    static DoctorSettings load(Map<String, String> overrides) {
        // a context that is built (its type converters loaded) but never started: no route, no MBean
        DefaultCamelContext context = new DefaultCamelContext(false);
        context.disableJMX();
        PropertiesComponent properties = context.getPropertiesComponent();
        properties.setLocation(Pipeline.configLocation());
        overrides.forEach(properties::addOverrideProperty);
        context.build();
        return of(key -> properties.resolveProperty(key).orElse(""));
    }

    /** @param configured a configuration already resolved (a running pipeline's) */
    static DoctorSettings of(Function<String, String> configured) {
        return new DoctorSettings(configured, EmbeddedServices.clientEndpoints(configured));
    }

    String get(String key) {
        String value = embedded.get(key);
        return value != null ? value : configured.apply(key);
    }

    boolean flag(String key) {
        return Boolean.parseBoolean(get(key).trim());
    }

    /** True when the endpoint (postgres.host, kafka.bootstrap-servers, s3.endpoint) is the embedded server's. */
    boolean embedded(String endpointKey) {
        return embedded.containsKey(endpointKey);
    }

    /** The fix for a service that does not answer: start the pipeline (embedded) or the service itself. */
    String startFix(String endpointKey, String service, String variables) {
        return embedded(endpointKey)
                ? "start the pipeline (java -jar target/cdc-pipeline.jar), which runs the embedded services, or set "
                + variables.split(",")[0].trim() + " to your " + service
                : "start " + service + " or correct " + variables;
    }
}
