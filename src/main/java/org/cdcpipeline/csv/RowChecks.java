package org.cdcpipeline.csv;

import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * Checks each row of a file against the table's columns (count, required values, types, lengths) and the ids of the
 * file so far, in file order, so the first of two rows with the same id is the one imported however the batches are
 * then written.
 */
public final class RowChecks {

    /** The rows of the file, checked lazily as they are read. */
    public CheckedRows check(CsvRows rows, TargetTable table) {
        Iterator<CsvRow> source = rows.iterator();
        FileChecks checks = new FileChecks(table);
        return new CheckedRows(new Iterator<>() {
            @Override
            public boolean hasNext() {
                return source.hasNext();
            }

            @Override
            public CheckedRow next() {
                return checks.check(source.next());
            }
        });
    }

    /** The checks of one file: its columns, and the ids seen so far. */
    static final class FileChecks {

        private final List<String> header;
        private final TableColumn[] columns;
        private final int idIndex;
        private final IdSet ids;
        /** Reused for each row: most rows are written as they were read, and then share the record's array. */
        private final String[] normalized;

        FileChecks(TargetTable table) {
            this.header = table.header();
            this.columns = table.columns();
            this.idIndex = header.indexOf("id");
            this.ids = new IdSet(table.integerIds());
            this.normalized = new String[header.size()];
        }

        CheckedRow check(CsvRow row) {
            String reason = null;
            String[] fields = row.values();
            if (row.problem() != null) {
                reason = row.problem();
            } else if (fields.length != header.size()) {
                reason = "expected " + header.size() + " columns, found " + fields.length;
            } else if (fields[idIndex].isBlank()) {
                reason = "missing id";
            } else {
                for (int i = 0; i < fields.length && reason == null; i++) {
                    reason = checkField(columns[i], fields[i], i);
                }
                if (reason == null && !ids.add(normalized[idIndex])) {
                    reason = "duplicate id " + ColumnType.abbreviate(fields[idIndex]) + " (an earlier line of this file has it)";
                }
            }
            if (reason != null) {
                return new CheckedRow(row, null, reason);
            }
            String[] values = Arrays.equals(normalized, fields, (a, b) -> a == b ? 0 : 1) ? fields : normalized.clone();
            return new CheckedRow(row, values, null);
        }

        private String checkField(TableColumn column, String field, int i) {
            if (field.isEmpty()) {
                if (!column.nullable() && !column.hasDefault()) {
                    return "column " + column.name() + " is required";
                }
                normalized[i] = null;
                return null;
            }
            try {
                String value = column.type().normalize(field);
                if (column.maxLength() > 0 && value.codePointCount(0, value.length()) > column.maxLength()) {
                    return "column " + column.name() + ": longer than " + column.maxLength() + " characters";
                }
                normalized[i] = value;
                return null;
            } catch (IllegalArgumentException e) {
                return "column " + column.name() + ": " + e.getMessage();
            }
        }
    }
}
