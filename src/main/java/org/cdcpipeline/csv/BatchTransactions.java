package org.cdcpipeline.csv;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import javax.sql.DataSource;

import org.cdcpipeline.Transactions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes each batch of a file in one transaction of its own, and counts it in the file's tally once committed.
 * Batches of a file may be written concurrently: they hold distinct ids.
 */
public final class BatchTransactions {

    private static final Logger LOG = LoggerFactory.getLogger(BatchTransactions.class);

    private final DataSource dataSource;
    private final BatchWriter writer = new BatchWriter();

    public BatchTransactions(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Writes the good rows of a batch; its rejects are recorded once it is committed. */
    public void write(CsvBatch batch, TargetTable table, ImportTally tally) {
        try (Connection connection = dataSource.getConnection()) {
            CsvBatch.Accepted accepted = batch.accepted();
            BatchWriter.Result result = writeAccepted(connection, table, accepted);
            List<Reject> rejects = new ArrayList<>(batch.rejects());
            rejects.addAll(result.refused());
            rejects.sort(Comparator.comparingLong(Reject::line));
            tally.batchWritten(accepted.values().size() - result.refused().size(), result.changed(), rejects);
        } catch (SQLException e) {
            throw DatabaseFailures.of(table.file(), e);
        }
    }

    private BatchWriter.Result writeAccepted(Connection connection, TargetTable table, CsvBatch.Accepted accepted)
            throws SQLException {
        if (accepted.values().isEmpty()) {
            return new BatchWriter.Result(0, List.of());
        }
        connection.setAutoCommit(false);
        try {
            BatchWriter.Result result = null;
            if (table.copyStraightIn()) {
                result = writer.copyInto(connection, table.shape(), table.header(), accepted.values());
                if (result == null) {
                    table.rowsFound();
                }
            }
            if (result == null) {
                result = writer.upsert(connection, table.shape(), table.header(), accepted.values());
            }
            connection.commit();
            return result;
        } catch (SQLException e) {
            Transactions.rollback(connection, e);
            if (!BatchWriter.isRowError(e)) {
                throw e;
            }
            LOG.debug("Batch of {} refused ({}); writing row by row to find the offending rows", table.file().name(),
                    e.getMessage());
            BatchWriter.Result result = writer.upsertEachRow(connection, table.shape(), table.header(),
                    accepted.values(), accepted.rows());
            connection.commit();
            return result;
        }
    }
}
