package org.cdcpipeline.csv;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The first record of a CSV file names the columns: each a valid, unique column name, none reserved, one of them
 * {@code id}, no more than a PostgreSQL table holds.
 */
public final class HeaderCheck {

    /** PostgreSQL's limit of columns in a table. */
    static final int MAX_COLUMNS = 1600;
    /** Archive metadata columns start so (__op, __lsn, ...): a data column named so would collide with them. */
    private static final String RESERVED_PREFIX = "__";

    private final BatchLimit sampleSize;

    /** @param batchSize csv.batch-size: the first batch is read ahead as a sample of the column types */
    public HeaderCheck(int batchSize) {
        this.sampleSize = new BatchLimit(batchSize);
    }

    /** The file's rows under its header; the file must have a valid header line. */
    public CsvRows rows(Iterator<CsvRow> records) {
        if (!records.hasNext()) {
            throw new InvalidCsvFileException("the file is empty; it needs a header line such as id,nazwa,...");
        }
        return new CsvRows(columns(records.next()), records, sampleSize);
    }

    static List<String> columns(CsvRow first) {
        if (first.problem() != null) {
            throw new InvalidCsvFileException("line " + first.line() + " is not a header: " + first.problem());
        }
        if (first.values().length > MAX_COLUMNS) {
            throw new InvalidCsvFileException(String.format("the header has %,d columns; a PostgreSQL table holds at "
                    + "most %,d: split the file, or check its delimiter is a comma", first.values().length, MAX_COLUMNS));
        }
        List<String> header = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String raw : first.values()) {
            String name = raw.replace("\uFEFF", "").trim().toLowerCase(Locale.ROOT);
            if (!SqlIdentifier.isValid(name)) {
                throw new InvalidCsvFileException("line " + first.line() + " is not a header: '"
                        + ColumnType.abbreviate(raw) + "' is not a column name ([a-z_][a-z0-9_]*); the first line must "
                        + "name the columns, such as id,nazwa,email");
            }
            if (name.startsWith(RESERVED_PREFIX)) {
                throw new InvalidCsvFileException("column '" + name + "' starts with " + RESERVED_PREFIX + ", which the "
                        + "raw archive keeps for its own columns (__op, __lsn, __tx_id, ...); rename the column in the "
                        + "header, e.g. to '" + name.substring(RESERVED_PREFIX.length()) + "'");
            }
            if (!seen.add(name)) {
                throw new InvalidCsvFileException("column '" + name + "' appears twice in the header");
            }
            header.add(name);
        }
        if (!seen.contains("id")) {
            throw new InvalidCsvFileException("the header has no 'id' column; rows are upserted by id");
        }
        return header;
    }
}
