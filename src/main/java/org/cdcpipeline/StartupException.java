package org.cdcpipeline;

/**
 * A problem that stops the pipeline from starting and that the user can fix: the message names the cause and the fix,
 * and is printed as one line without a stack trace.
 */
public class StartupException extends RuntimeException {

    public StartupException(String message) {
        super(message);
    }

    public StartupException(String message, Throwable cause) {
        super(message, cause);
    }
}
