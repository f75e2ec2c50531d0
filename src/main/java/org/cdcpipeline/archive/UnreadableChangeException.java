package org.cdcpipeline.archive;

/** A record of a change topic that is not a change event the archive can store: it goes to the dead-letter topic. */
public final class UnreadableChangeException extends RuntimeException {

    public UnreadableChangeException(String message, Throwable cause) {
        super(message, cause);
    }
}
