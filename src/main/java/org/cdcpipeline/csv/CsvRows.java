package org.cdcpipeline.csv;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * The data rows of a CSV file under its checked header, read lazily. The first rows are read ahead as a sample: they
 * show the column types of a new table, and they stay here when preparing the table is retried. The rows can be
 * iterated once: a file being read cannot be rewound, so asking twice fails rather than skips rows.
 */
public final class CsvRows implements Iterable<CsvRow> {

    private final List<String> header;
    private final List<CsvRow> sample;
    private final Iterator<CsvRow> rest;
    private final AtomicBoolean taken = new AtomicBoolean();

    CsvRows(List<String> header, Iterator<CsvRow> records, BatchLimit sampleSize) {
        this(List.copyOf(header), readAhead(records, sampleSize), records);
    }

    private CsvRows(List<String> header, List<CsvRow> sample, Iterator<CsvRow> rest) {
        this.header = header;
        this.sample = sample;
        this.rest = rest;
    }

    /** Only the rows {@code keep} holds for, lazily; these rows are then taken. */
    CsvRows where(Predicate<CsvRow> keep) {
        Iterator<CsvRow> all = iterator();
        List<CsvRow> kept = new ArrayList<>();
        for (int i = 0; i < sample.size(); i++) {
            CsvRow row = all.next();
            if (keep.test(row)) {
                kept.add(row);
            }
        }
        return new CsvRows(header, kept, new Iterator<>() {
            private CsvRow next;

            @Override
            public boolean hasNext() {
                while (next == null && all.hasNext()) {
                    CsvRow row = all.next();
                    next = keep.test(row) ? row : null;
                }
                return next != null;
            }

            @Override
            public CsvRow next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                CsvRow row = next;
                next = null;
                return row;
            }
        });
    }

    private static List<CsvRow> readAhead(Iterator<CsvRow> records, BatchLimit size) {
        List<CsvRow> rows = new ArrayList<>(Math.min(size.rows(), 1024));
        long fields = 0;
        long chars = 0;
        while (!size.reached(rows.size(), fields, chars) && records.hasNext()) {
            CsvRow row = records.next();
            rows.add(row);
            fields += row.values().length;
            chars += row.chars();
        }
        return rows;
    }

    /** The column names, lower case, as the first line gives them. */
    public List<String> header() {
        return header;
    }

    /** The first rows of the file. */
    List<CsvRow> sample() {
        return sample;
    }

    @Override
    public Iterator<CsvRow> iterator() {
        if (!taken.compareAndSet(false, true)) {
            throw new IllegalStateException("the rows of a file were asked for twice; it is imported again from the top");
        }
        Iterator<CsvRow> first = sample.iterator();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return first.hasNext() || rest.hasNext();
            }

            @Override
            public CsvRow next() {
                return first.hasNext() ? first.next() : rest.next();
            }
        };
    }
}
