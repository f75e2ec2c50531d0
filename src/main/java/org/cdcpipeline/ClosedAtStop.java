package org.cdcpipeline;

import org.apache.camel.CamelContext;
import org.apache.camel.RuntimeCamelException;
import org.apache.camel.support.service.ServiceSupport;

/**
 * Closes a resource when the Camel context stops, once, after the routes (a context service is stopped after them,
 * in the reverse order of registration, and Camel's shutdown hook waits for it on Ctrl-C).
 */
public final class ClosedAtStop {

    private ClosedAtStop() {
    }

    /** Registers {@code close}: a resource, or a lambda for a close that takes a time limit. */
    public static void register(CamelContext context, AutoCloseable close) {
        try {
            context.addService(new ServiceSupport() {
                @Override
                protected void doStop() throws Exception {
                    close.close();
                }
            }, true, true);
        } catch (Exception e) {
            throw RuntimeCamelException.wrapRuntimeCamelException(e);
        }
    }
}
