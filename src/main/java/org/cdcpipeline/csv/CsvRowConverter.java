package org.cdcpipeline.csv;

import org.apache.camel.dataformat.csv.CsvRecordConverter;
import org.apache.commons.csv.CSVRecord;

/**
 * Keeps the line number of each record, which camel-csv's default list conversion drops, so rejects can point at it.
 * The parser has read the record's line break (or the end of the file) when this runs, so the record starts as many
 * lines back as its quoted values hold line breaks.
 */
public final class CsvRowConverter implements CsvRecordConverter<CsvRow> {

    @Override
    public CsvRow convertRecord(CSVRecord record) {
        String[] values = record.values();
        long breaks = 0;
        for (String value : values) {
            if (value.indexOf('\n') >= 0) {
                breaks += value.chars().filter(c -> c == '\n').count();
            }
        }
        return new CsvRow(record.getParser().getCurrentLineNumber() - breaks, values);
    }
}
