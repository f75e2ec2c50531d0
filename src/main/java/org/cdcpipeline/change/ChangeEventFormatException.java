package org.cdcpipeline.change;

/**
 * A record that is not a change event in Kafka Connect's JSON form. Unchecked; the archive and the aggregates each
 * turn it into the exception their error policy sends to a dead-letter topic, with the record's position.
 */
public final class ChangeEventFormatException extends RuntimeException {

    public ChangeEventFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
