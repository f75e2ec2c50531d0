package org.cdcpipeline.csv;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * The records of a CSV file, read lazily, each with the line it starts on. What the parser cannot read is told
 * precisely: a row with stray quotes (`1,"Firma "X"",...`) becomes a row with a problem, rejected like any malformed
 * row, and reading goes on with the next line; a file that is not text in the configured charset, a quote that is
 * never closed, or a record longer than the limit stop the file with an {@link InvalidCsvFileException} naming the
 * line and the fix.
 */
public final class CsvRecords implements Iterator<CsvRow>, Closeable {

    private static final Pattern START_LINE = Pattern.compile("\\(startline ([0-9,]+)\\)");

    private final String fileName;
    private final Charset charset;
    private final long maxRecordChars;
    private final DecodingReader reader;
    private final CSVParser parser;
    private final Iterator<CSVRecord> records;
    private final Deque<CsvRow> ready = new ArrayDeque<>(2);
    /** A malformed row, held until the parser has read the rest of its line as a record of its own. */
    private CsvRow malformed;
    /** The line the latest record ended on: the next one starts after it. */
    private long lastLine;
    private boolean done;

    CsvRecords(String fileName, InputStream in, Charset charset, long maxRecordChars) {
        this.fileName = fileName;
        this.charset = charset;
        this.maxRecordChars = maxRecordChars;
        this.reader = new DecodingReader(in, charset, maxRecordChars);
        try {
            this.parser = CSVParser.builder().setReader(reader).setFormat(CSVFormat.DEFAULT).get();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + fileName, e);
        }
        this.records = parser.iterator();
    }

    @Override
    public boolean hasNext() {
        while (ready.isEmpty() && !done) {
            readOne();
        }
        return !ready.isEmpty();
    }

    @Override
    public CsvRow next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return ready.poll();
    }

    private void readOne() {
        CSVRecord record;
        try {
            record = records.hasNext() ? records.next() : null;
        } catch (UncheckedIOException e) {
            failed(e.getCause());
            return;
        }
        reader.recordStarts();
        if (record == null) {
            done = true;
            if (malformed != null) {
                ready.add(malformed);
            }
            return;
        }
        String[] values = record.values();
        lastLine = parser.getCurrentLineNumber();
        long line = lastLine - lineBreaks(values);
        if (malformed != null && malformed.line() == line) {
            // the fields from the error to the end of the line: the raw of the reject
            ready.add(new CsvRow(line, values, malformed.problem()));
        } else {
            if (malformed != null) {
                ready.add(malformed);
            }
            ready.add(new CsvRow(line, values));
        }
        malformed = null;
    }

    private void failed(IOException cause) {
        if (cause instanceof DecodingReader.NotDecodableException e) {
            throw new InvalidCsvFileException(notText(e));
        }
        if (cause instanceof DecodingReader.RecordTooLongException) {
            throw new InvalidCsvFileException(String.format("the record starting on line %,d is longer than "
                    + "csv.max-record-chars (%,d characters): either a quote opened there is never closed, or the file "
                    + "has no line breaks; close the quote (a quote inside a quoted value is written twice: \"\"), or "
                    + "raise csv.max-record-chars if the record is really that long", lastLine + 1, maxRecordChars));
        }
        String message = String.valueOf(cause.getMessage());
        Matcher unclosed = START_LINE.matcher(message);
        if (unclosed.find()) {
            throw new InvalidCsvFileException("line " + unclosed.group(1).replace(",", "") + ": a quoted value is "
                    + "never closed (the file ends first); close the quote, or write a quote inside a value twice (\"\")");
        }
        // the parser stopped on a character after a closing quote; it reads the rest of the line as the next record
        long line = parser.getCurrentLineNumber();
        if (malformed == null || malformed.line() != line) {
            if (malformed != null) {
                ready.add(malformed);
            }
            malformed = new CsvRow(line, new String[0], "malformed quoting (a quote inside a quoted value is written "
                    + "twice: \"\"); the row holds the line from the error on: " + message);
        }
    }

    private String notText(DecodingReader.NotDecodableException e) {
        String fix = StandardCharsets.UTF_8.equals(charset)
                ? " If it is Windows-1250 (cp1250) or ISO-8859-2 (Latin-2), set csv.charset (CSV_CHARSET=windows-1250 "
                  + "or ISO-8859-2), or convert it: iconv -f cp1250 -t utf-8 " + fileName + " > converted.csv"
                : " Set csv.charset (CSV_CHARSET) to the file's charset, or convert it: iconv -f <its charset> -t "
                  + charset.name().toLowerCase(java.util.Locale.ROOT) + " " + fileName + " > converted.csv";
        return String.format("the file is not %s: line %,d holds %s, which is not %s text.%s", charset.name(), e.line,
                e.bytes, charset.name(), fix);
    }

    private static long lineBreaks(String[] values) {
        long breaks = 0;
        for (String value : values) {
            if (value.indexOf('\n') >= 0) {
                breaks += value.chars().filter(c -> c == '\n').count();
            }
        }
        return breaks;
    }

    @Override
    public void close() throws IOException {
        parser.close();
    }
}
