package org.cdcpipeline;

import java.util.Map;

/** Entry point: {@code java -jar cdc-pipeline.jar [--once] [--wipe-data]}. */
public final class Application {

    private Application() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        RunOptions options;
        try {
            options = RunOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage() + "\n\n" + RunOptions.USAGE);
            return 64;
        }
        if (options.help()) {
            System.out.println(RunOptions.USAGE);
            return 0;
        }
        return new Pipeline(options, Map.of()).run();
    }
}
