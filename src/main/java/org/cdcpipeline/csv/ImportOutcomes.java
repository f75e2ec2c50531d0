package org.cdcpipeline.csv;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

import org.apache.camel.util.ObjectHelper;
import org.cdcpipeline.Causes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the tally of each file's import and tells how it ended: one line per file imported or refused, and the
 * counts of the run (csv stats).
 */
public record ImportOutcomes(ImportStats stats, Path csvDir) {

    private static final Logger LOG = LoggerFactory.getLogger(ImportOutcomes.class);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmssSSS");

    /** The import of a file starts: its rejects go to {@code <table>.<start>.rejects.csv} beside the input. */
    public ImportTally start(CsvFile file) {
        return new ImportTally(file, new RejectsFile(csvDir, file.table().name(), LocalDateTime.now().format(STAMP)), stats);
    }

    /** Ends the import of a file: logs and counts what was done. */
    public void finish(ImportTally tally) {
        CsvFile file = tally.file();
        long millis = tally.millis();
        ImportTally.Rows rows = tally.rows();
        if (tally.isStopped()) {
            throw new ImportStoppedException(file.name() + " -> " + file.table() + ": stopped with the pipeline after "
                    + rows.imported() + " rows; the file is imported again from the top at the next start");
        }
        if (rows.rejected() > 0) {
            LOG.warn("{} -> {}: {} rows imported ({} changed), {} rejected (see {}) in {} ms", file.name(), file.table(),
                    rows.imported(), rows.changed(), rows.rejected(), tally.rejectsPath(), millis);
        } else {
            LOG.info("{} -> {}: {} rows imported ({} changed), 0 rejected in {} ms", file.name(), file.table(),
                    rows.imported(), rows.changed(), millis);
        }
        stats.imported(file.table().name(), rows.imported(), rows.changed(), rows.rejected(), millis);
    }

    /** Records a file that cannot be imported at all; the route moves it to the error folder. */
    public void refuse(String fileName, Throwable error) {
        InvalidCsvFileException invalid = ObjectHelper.getException(InvalidCsvFileException.class, error);
        if (invalid != null) {
            LOG.error("Refused {} (moved to {}): {}", fileName, csvDir.resolve(".error"), invalid.getMessage());
        } else {
            // beneath Camel's wrappers from invoking the step: the exception that says what went wrong
            Throwable cause = Causes.first(error, t -> !t.getClass().getName().startsWith("org.apache.camel."))
                    .orElse(Causes.root(error));
            LOG.error("Failed to import {} (moved to {}): {}", fileName, csvDir.resolve(".error"), cause.getMessage(), cause);
        }
        stats.refused(fileName);
    }
}
