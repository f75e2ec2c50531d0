package org.cdcpipeline.csv;

import java.sql.SQLException;

import org.cdcpipeline.PostgresDataSource;

/** What a failed statement means for the file being imported: retried if PostgreSQL is away, a failure otherwise. */
final class DatabaseFailures {

    private DatabaseFailures() {
    }

    static RuntimeException of(CsvFile file, SQLException e) {
        if (PostgresDataSource.isUnavailable(e)) {
            return new DatabaseUnavailableException("PostgreSQL is unavailable while importing " + file.name()
                    + " (" + e.getMessage() + "); the file stays in place and is retried", e);
        }
        return new IllegalStateException("Importing " + file.name() + " into " + file.table() + " failed: "
                + e.getMessage(), e);
    }
}
