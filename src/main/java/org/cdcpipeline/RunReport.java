package org.cdcpipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** A part of the pipeline that tells --once when it has processed everything available, and what it did. */
public interface RunReport {

    /** True when nothing that is available now is left to process. */
    boolean drained();

    /** What this part still waits for, for the log of a --once run that takes long; null when drained. */
    default String waitingFor() {
        return drained() ? null : getClass().getSimpleName() + " is not drained";
    }

    /** Lines of the --once summary. */
    List<String> summary();

    /**
     * A stage's summary: its heading and the lines {@code details} adds, or one line saying it is off.
     *
     * @param enabledKey the configuration key that turns the stage on
     */
    static List<String> summary(boolean enabled, String stage, String enabledKey, String heading,
                                Consumer<List<String>> details) {
        List<String> lines = new ArrayList<>();
        if (!enabled) {
            lines.add(stage + ": off (" + enabledKey + "=false)");
            return lines;
        }
        lines.add(heading);
        details.accept(lines);
        return lines;
    }

    /** 0, or the exit code --once should end with because something was refused. */
    default int exitCode() {
        return 0;
    }
}
