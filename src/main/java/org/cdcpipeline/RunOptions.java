package org.cdcpipeline;

import java.util.List;

/** Command-line options of the pipeline. */
public record RunOptions(boolean once, boolean wipeData, boolean help, boolean dev) {

    public static final String USAGE = """
            Usage: java -jar target/cdc-pipeline.jar [--once] [--wipe-data] [--dev]

              (no option)   start the embedded services that are not configured elsewhere, then the routes;
                            runs until Ctrl-C
              --once        process everything available, print a summary and exit
                            (0: done; 2: some files were refused; 3: not done within pipeline.once.timeout-seconds)
              --wipe-data   delete the embedded PostgreSQL, Kafka and S3 data under PIPELINE_DATA_DIR first
              --dev         development mode: a route file saved in routes/ is reloaded in the running pipeline
              --help        this text

            Configuration: application.properties in the working directory; every key can be overridden by an
            environment variable named after it (postgres.host -> POSTGRES_HOST).""";

    public RunOptions(boolean once, boolean wipeData, boolean help) {
        this(once, wipeData, help, false);
    }

    public static RunOptions parse(String... args) {
        boolean once = false;
        boolean wipe = false;
        boolean help = false;
        boolean dev = false;
        for (String arg : List.of(args)) {
            switch (arg) {
                case "--once" -> once = true;
                case "--wipe-data" -> wipe = true;
                case "--help", "-h" -> help = true;
                case "--dev" -> dev = true;
                default -> throw new IllegalArgumentException("Unknown option '" + arg + "'");
            }
        }
        return new RunOptions(once, wipe, help, dev);
    }
}
