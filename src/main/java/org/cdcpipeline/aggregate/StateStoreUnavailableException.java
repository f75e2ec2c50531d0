package org.cdcpipeline.aggregate;

/** The aggregates' state store cannot be reached now: the batch is retried with backoff, the consumer waits. */
public class StateStoreUnavailableException extends RuntimeException {

    public StateStoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
