package org.cdcpipeline;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;
import org.apache.camel.util.ObjectHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of the pipeline: Camel Main with the routes in routes/*.camel.yaml, the configuration of
 * application.properties, and the embedded services the configuration asks for.
 */
public final class Pipeline {

    private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

    private final Main main = new Main();
    private final ServicesLifecycle services;
    private final OnceRun onceRun;

    /**
     * @param overrides properties that win over application.properties (tests point the pipeline at shared servers);
     *                  environment variables still win over both
     */
    public Pipeline(RunOptions options, Map<String, String> overrides) {
        main.setPropertyPlaceholderLocations(configLocation());
        if (options.dev()) {
            // where and what is watched: camel.main.routes-reload-directory and -pattern in application.properties
            main.addOverrideProperty("camel.main.routes-reload-enabled", "true");
        }
        overrides.forEach(main::addOverrideProperty);
        // the configuration classes that bind the beans are named in application.properties
        // (camel.main.configuration-classes), so the Camel CLI's `camel run` binds them too
        services = new ServicesLifecycle(options.wipeData());
        main.addMainListener(services);
        main.addMainListener(new Banner());
        onceRun = options.once() ? new OnceRun() : null;
        if (onceRun != null) {
            main.addMainListener(onceRun);
        }
    }

    /** ./application.properties when the working directory has one, else the copy inside the jar. */
    public static String configLocation() {
        return Files.isRegularFile(Path.of("application.properties"))
                ? "file:application.properties" : "classpath:application.properties";
    }

    /** Runs until Ctrl-C or {@link #stop()} (or, with --once, until everything available is processed). */
    public int run() {
        try {
            main.run();
            return onceRun != null ? onceRun.exitCode() : 0;
        } catch (StoppedWhileStartingException e) {
            LOG.info(e.getMessage());
            return 0;
        } catch (StartupException e) {
            LOG.error("Cannot start: {}", e.getMessage());
            LOG.debug("Startup failure", e);
            return 1;
        } catch (Exception e) {
            StartupException cause = ObjectHelper.getException(StartupException.class, e);
            if (cause instanceof StoppedWhileStartingException) {
                LOG.info(cause.getMessage());
                return 0;
            }
            if (cause != null) {
                LOG.error("Cannot start: {}", cause.getMessage());
                LOG.debug("Startup failure", e);
            } else {
                LOG.error("Cannot start: {}", e.getMessage(), e);
            }
            return 1;
        } finally {
            services.close();
        }
    }

    /** Asks a running pipeline to shut down, as Ctrl-C does. */
    public void stop() {
        main.completed();
    }

    /** The running Camel context, for tests and tools that look at its beans; null before the start. */
    public CamelContext context() {
        return main.getCamelContext();
    }

    public boolean isStarted() {
        return main.getCamelContext() != null && main.getCamelContext().isStarted();
    }
}
