package org.cdcpipeline.csv;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.BooleanSupplier;

/**
 * Cuts the checked rows of a file into batches of csv.batch-size rows (fewer when the rows are wide or long), lazily
 * and in file order, so only the batches being written are in memory however large the file. Once the pipeline
 * stops, no further batch is cut: the file ends after the batches already read.
 */
public final class CsvBatches {

    private final BatchLimit limit;
    private final BooleanSupplier stopping;

    /**
     * @param stopping true once the pipeline stops: a file being imported is then imported again from the top at the
     *                 next start (the upsert makes that harmless)
     */
    public CsvBatches(int batchSize, BooleanSupplier stopping) {
        this.limit = new BatchLimit(batchSize);
        this.stopping = stopping;
    }

    public Iterator<CsvBatch> of(CheckedRows checked, ImportTally tally) {
        Iterator<CheckedRow> rows = checked.iterator();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                if (stopping.getAsBoolean()) {
                    tally.stopped();
                    return false;
                }
                return rows.hasNext();
            }

            @Override
            public CsvBatch next() {
                if (!rows.hasNext()) {
                    throw new NoSuchElementException();
                }
                return nextBatch(rows);
            }
        };
    }

    private CsvBatch nextBatch(Iterator<CheckedRow> rows) {
        int capacity = Math.min(limit.rows(), 1024);
        List<String[]> values = new ArrayList<>(capacity);
        List<CsvRow> sources = new ArrayList<>(capacity);
        List<Reject> rejects = new ArrayList<>();
        int count = 0;
        long fields = 0;
        long chars = 0;
        while (!limit.reached(count, fields, chars) && rows.hasNext()) {
            CheckedRow row = rows.next();
            if (row.accepted()) {
                values.add(row.values());
                sources.add(row.row());
            } else {
                rejects.add(row.reject());
            }
            count++;
            fields += row.row().values().length;
            chars += row.row().chars();
        }
        return new CsvBatch(new CsvBatch.Accepted(values, sources), rejects);
    }
}
