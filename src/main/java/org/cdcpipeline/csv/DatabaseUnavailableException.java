package org.cdcpipeline.csv;

/**
 * PostgreSQL cannot be reached or is shutting down: the batch is retried with backoff and the file stays where it is,
 * so nothing is lost; the upsert makes a rerun of already committed batches harmless.
 */
public class DatabaseUnavailableException extends RuntimeException {

    public DatabaseUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
