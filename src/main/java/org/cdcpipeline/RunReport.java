package org.cdcpipeline;

import java.util.List;

/** A part of the pipeline that tells --once when it has processed everything available, and what it did. */
public interface RunReport {

    /** True when nothing that is available now is left to process. */
    boolean drained();

    /** Lines of the --once summary. */
    List<String> summary();

    /** 0, or the exit code --once should end with because something was refused. */
    default int exitCode() {
        return 0;
    }
}
