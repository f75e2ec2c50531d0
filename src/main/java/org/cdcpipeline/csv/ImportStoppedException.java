package org.cdcpipeline.csv;

/** The pipeline stopped during an import: the file stays where it is, to be imported again at the next start. */
public final class ImportStoppedException extends RuntimeException {

    public ImportStoppedException(String message) {
        super(message);
    }
}
