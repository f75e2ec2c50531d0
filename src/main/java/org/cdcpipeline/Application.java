package org.cdcpipeline;

import java.util.Map;

import org.cdcpipeline.doctor.Doctor;

/** Entry point: {@code java -jar cdc-pipeline.jar [--once] [--wipe-data]} or {@code doctor [--component c]}. */
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
        if (options.doctor()) {
            Doctor.quietClientLogging();
            return Doctor.run(Map.of(), options.component(), System.out);
        }
        return new Pipeline(options, Map.of()).run();
    }
}
