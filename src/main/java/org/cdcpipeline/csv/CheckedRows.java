package org.cdcpipeline.csv;

import java.util.Iterator;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The rows of a file as checked, in file order, lazily. They can be iterated once: a file being read cannot be
 * rewound, so asking twice fails (and the file is imported again from the top) rather than skips rows.
 */
public final class CheckedRows implements Iterable<CheckedRow> {

    private final Iterator<CheckedRow> rows;
    private final AtomicBoolean taken = new AtomicBoolean();

    CheckedRows(Iterator<CheckedRow> rows) {
        this.rows = rows;
    }

    @Override
    public Iterator<CheckedRow> iterator() {
        if (!taken.compareAndSet(false, true)) {
            throw new IllegalStateException("the checked rows of a file were asked for twice; it is imported again "
                    + "from the top");
        }
        return rows;
    }
}
