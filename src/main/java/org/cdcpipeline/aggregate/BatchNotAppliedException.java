package org.cdcpipeline.aggregate;

/**
 * A batch could not be applied to the state store (unreachable, deadlock, serialization failure, disk full, read-only,
 * statement timeout, ...): the same batch is retried with backoff until it is applied, the consumer waits.
 */
public class BatchNotAppliedException extends RuntimeException {

    public BatchNotAppliedException(String message, Throwable cause) {
        super(message, cause);
    }
}
