package org.cdcpipeline;

/** The pipeline was asked to stop (Ctrl-C, SIGTERM) while it was starting: an ordinary stop, not a failure. */
public final class StoppedWhileStartingException extends StartupException {

    public StoppedWhileStartingException(String message) {
        super(message);
    }
}
