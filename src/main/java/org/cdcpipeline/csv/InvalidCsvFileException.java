package org.cdcpipeline.csv;

/** A file that cannot be imported at all (empty, no header, invalid name...): it goes to the error folder. */
public class InvalidCsvFileException extends RuntimeException {

    public InvalidCsvFileException(String reason) {
        super(reason);
    }
}
