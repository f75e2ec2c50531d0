package org.cdcpipeline.csv;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Rows and tables for the unit tests of the import's stages, without a file or a database. */
final class CsvFiles {

    private CsvFiles() {
    }

    /** Records numbered from line 1, one per CSV line (no quoting: fields split at commas). */
    static Iterator<CsvRow> records(String... lines) {
        List<CsvRow> rows = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            rows.add(new CsvRow(i + 1, lines[i].split(",", -1)));
        }
        return rows.iterator();
    }

    /** A table of klienci with an integer id, a required varchar(5) nazwa and an optional kraj, fitting the header. */
    static TargetTable klienci(List<String> header) {
        Map<String, TableColumn> columns = new LinkedHashMap<>();
        columns.put("id", new TableColumn("id", ColumnType.INTEGER, 0, false, false));
        columns.put("nazwa", new TableColumn("nazwa", ColumnType.TEXT, 5, false, false));
        columns.put("kraj", new TableColumn("kraj", ColumnType.TEXT, 0, true, false));
        TableShape shape = new TableShape(new SqlIdentifier("public"), new SqlIdentifier("klienci"), columns, true);
        return new TargetTable(CsvFile.named("klienci.csv"), shape, header, true);
    }

    /** What is left of the rows, as {@code line:field|field}. */
    static List<String> lines(Iterable<CsvRow> rows) {
        List<String> lines = new ArrayList<>();
        rows.forEach(r -> lines.add(r.line() + ":" + String.join("|", r.values())));
        return lines;
    }
}
