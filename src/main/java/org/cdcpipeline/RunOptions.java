package org.cdcpipeline;

import java.util.List;
import java.util.Set;

/**
 * Command-line options of the pipeline.
 *
 * @param dev       development mode: route files saved in routes/ are reloaded in the running pipeline
 * @param doctor    run the {@code doctor} command (check the configured services and the running pipeline) instead
 * @param component with {@code doctor}: which checks to run (all, postgres, debezium, kafka, s3, routes)
 */
public record RunOptions(boolean once, boolean wipeData, boolean help, boolean dev, boolean doctor, String component) {

    public static final Set<String> COMPONENTS = Set.of("all", "postgres", "debezium", "kafka", "s3", "routes");

    public static final String USAGE = """
            Usage: java -jar target/cdc-pipeline.jar [--once] [--wipe-data] [--dev]
                   java -jar target/cdc-pipeline.jar doctor [--component all|postgres|debezium|kafka|s3|routes]

              (no option)   start the embedded services that are not configured elsewhere, then the routes;
                            runs until Ctrl-C
              --once        process everything available, print a summary and exit
                            (0: done; 2: some files were refused; 3: not done within pipeline.once.timeout-seconds)
              --wipe-data   delete the embedded PostgreSQL, Kafka and S3 data under PIPELINE_DATA_DIR first
              --dev         development mode: a route file saved in routes/ is reloaded in the running pipeline
              --help        this text
              doctor        check the configured PostgreSQL, replication slot and publication, Kafka topics and
                            consumer groups, S3 bucket and objects, and the running pipeline's routes (over JMX);
                            one OK / WARN / FAIL line per check, with the fix (exit 0: no FAIL; 1: some FAIL)
              --component   with doctor: only these checks (default all)

            Configuration: application.properties in the working directory; every key can be overridden by an
            environment variable named after it (postgres.host -> POSTGRES_HOST).""";

    /** Options of a pipeline run (not the doctor). */
    public RunOptions(boolean once, boolean wipeData, boolean help) {
        this(once, wipeData, help, false, false, "all");
    }

    public static RunOptions parse(String... args) {
        boolean once = false;
        boolean wipe = false;
        boolean help = false;
        boolean dev = false;
        boolean doctor = false;
        String component = null;
        List<String> list = List.of(args);
        for (int i = 0; i < list.size(); i++) {
            String arg = list.get(i);
            switch (arg) {
                case "--once" -> once = true;
                case "--wipe-data" -> wipe = true;
                case "--help", "-h" -> help = true;
                case "--dev" -> dev = true;
                case "doctor" -> {
                    if (i != 0) {
                        throw new IllegalArgumentException("'doctor' must come first");
                    }
                    doctor = true;
                }
                case "--component" -> {
                    if (i + 1 >= list.size()) {
                        throw new IllegalArgumentException("--component needs a value: one of " + COMPONENTS);
                    }
                    component = list.get(++i);
                }
                default -> {
                    if (arg.startsWith("--component=")) {
                        component = arg.substring("--component=".length());
                    } else {
                        throw new IllegalArgumentException("Unknown option '" + arg + "'");
                    }
                }
            }
        }
        if (component != null && !doctor) {
            throw new IllegalArgumentException("--component belongs to the doctor command: doctor --component " + component);
        }
        if (doctor && (once || wipe || dev)) {
            throw new IllegalArgumentException("doctor takes only --component");
        }
        if (component != null && !COMPONENTS.contains(component)) {
            throw new IllegalArgumentException("Unknown component '" + component + "': one of all, postgres, debezium, kafka, s3, routes");
        }
        return new RunOptions(once, wipe, help, dev, doctor, component == null ? "all" : component);
    }
}
