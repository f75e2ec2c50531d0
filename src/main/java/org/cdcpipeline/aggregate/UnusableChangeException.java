package org.cdcpipeline.aggregate;

/**
 * A Kafka record an aggregate cannot use whatever it retries: no change event envelope, no key, a value that is not
 * of the aggregate's type. The record goes to the dead-letter topic as it is, and the aggregate moves on.
 */
public class UnusableChangeException extends RuntimeException {

    public UnusableChangeException(String message) {
        super(message);
    }

    public UnusableChangeException(String message, Throwable cause) {
        super(message, cause);
    }
}
