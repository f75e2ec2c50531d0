package org.cdcpipeline.csv;

import java.util.List;

/**
 * The table one CSV file goes into, as found when its import started, and the file's header, which the table fits.
 * The one thing that changes while the file is written: its rows are copied straight in while the table had no rows
 * when the file started, and upserted from the first batch that finds a row there.
 */
public final class TargetTable {

    private final CsvFile file;
    private final TableShape shape;
    private final List<String> header;
    private volatile boolean copyStraightIn;

    TargetTable(CsvFile file, TableShape shape, List<String> header, boolean empty) {
        this.file = file;
        this.shape = shape;
        this.header = List.copyOf(header);
        this.copyStraightIn = empty;
    }

    CsvFile file() {
        return file;
    }

    TableShape shape() {
        return shape;
    }

    List<String> header() {
        return header;
    }

    /** The table's column for each header field, in header order. */
    TableColumn[] columns() {
        return header.stream().map(c -> shape.columns().get(c)).toArray(TableColumn[]::new);
    }

    /** Whether ids are integers, so 7 and 007 are the same id. */
    boolean integerIds() {
        ColumnType idType = shape.columns().get("id").type();
        return idType == ColumnType.BIGINT || idType == ColumnType.INTEGER || idType == ColumnType.SMALLINT;
    }

    boolean copyStraightIn() {
        return copyStraightIn;
    }

    /** A batch found a row in the table: the rest of the file is upserted. */
    void rowsFound() {
        copyStraightIn = false;
    }

    @Override
    public String toString() {
        return file.table().name();
    }
}
