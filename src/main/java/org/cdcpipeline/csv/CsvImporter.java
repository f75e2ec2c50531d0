package org.cdcpipeline.csv;

import static org.cdcpipeline.Transactions.rollback;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import javax.sql.DataSource;

import org.apache.commons.csv.CSVFormat;
import org.cdcpipeline.Causes;
import org.cdcpipeline.PostgresDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps of the csv-import route: a file name becomes a table, the first record becomes the header, the rest is
 * checked and written in batches, one transaction each; malformed rows go to {@code <table>.<start>.rejects.csv}
 * beside the input with their line number and reason, the good rows of the file are imported.
 *
 * <p>A file names its table, so whoever can drop a file could otherwise write into any table of csv.schema with an
 * id column. The import writes only into tables it created itself, tables with a schema file, and the tables
 * csv.allowed-tables names; a file for any other existing table is refused.
 */
public final class CsvImporter {

    private static final Logger LOG = LoggerFactory.getLogger(CsvImporter.class);
    private static final CSVFormat RAW_FORMAT = CSVFormat.DEFAULT.builder().setRecordSeparator('\n').get();
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmssSSS");
    /** PostgreSQL's limit of columns in a table. */
    static final int MAX_COLUMNS = 1600;
    /** Archive metadata columns start so (__op, __lsn, ...): a data column named so would collide with them. */
    private static final String RESERVED_PREFIX = "__";
    /**
     * A batch is cut at csv.batch-size rows, or earlier at this many fields or characters, so a few batches in memory
     * stay small however wide or long the rows are.
     */
    private static final long MAX_BATCH_FIELDS = 250_000;
    private static final long MAX_BATCH_CHARS = 8_000_000;

    private final DataSource dataSource;
    private final TableCatalog catalog;
    private final AllowedTables allowedTables;
    private final OwnedTables ownedTables;
    /** Existing tables found writable: the decision is made once per table and process, not for every file. */
    private final Set<String> writable = ConcurrentHashMap.newKeySet();
    private final BatchWriter writer = new BatchWriter();
    private final ImportStats stats;
    private final Path csvDir;
    private final int batchSize;
    private final Charset charset;
    private final long maxRecordChars;
    private long progressIntervalMillis = 10_000;

    private final java.util.function.BooleanSupplier stopping;

    /**
     * @param stopping true once the pipeline stops: a file being imported then ends after the batches already read, and
     *                 is imported again from the top at the next start (the upsert makes that harmless)
     * @param allowedTables existing tables the import may write into besides its own and those with a schema file
     * @param ownedTables   the tables the import created
     */
    public CsvImporter(DataSource dataSource, ImportStats stats, Path csvDir, String schema, Path schemaDir, int batchSize,
                       Charset charset, long maxRecordChars, java.util.function.BooleanSupplier stopping,
                       AllowedTables allowedTables, OwnedTables ownedTables) {
        this.stopping = stopping;
        this.dataSource = dataSource;
        this.stats = stats;
        this.csvDir = csvDir;
        this.catalog = new TableCatalog(new SqlIdentifier(schema), schemaDir, ownedTables);
        this.allowedTables = allowedTables;
        this.ownedTables = ownedTables;
        this.batchSize = batchSize;
        this.charset = charset;
        this.maxRecordChars = maxRecordChars;
    }

    /**
     * Creates the record of the import's own tables and the tables that have an explicit schema, unless they exist.
     * PostgreSQL unreachable now is no error: they are then created when the first file is imported.
     */
    public void createDeclaredTables() {
        try (Connection connection = dataSource.getConnection()) {
            catalog.createDeclared(connection);
        } catch (SQLException e) {
            LOG.warn("Could not create the import's tables now ({}); they are created with the first CSV file", e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the table schemas", e);
        }
    }

    /** How often a long import logs its progress (csv.progress-interval-ms). */
    public void setProgressIntervalMillis(long millis) {
        this.progressIntervalMillis = millis;
    }

    /**
     * The records of the file, read lazily in csv.charset, each with its line; the bytes read are counted for the
     * progress of a long import.
     */
    public Iterator<CsvRow> read(InputStream file, long fileBytes, ImportJob job) {
        job.records = new CsvRecords(job.fileName, ImportProgress.follow(file, fileBytes, progressIntervalMillis, job),
                charset, maxRecordChars);
        return job.records;
    }

    /** Closes the file, however its import ended. */
    public void close(ImportJob job) throws IOException {
        if (job != null && job.records != null) {
            job.records.close();
        }
    }

    /** Starts the import of a file: its name, less {@code .csv}, must be a valid table name. */
    public ImportJob open(String fileName) {
        String base = fileName.endsWith(".csv") ? fileName.substring(0, fileName.length() - 4) : fileName;
        if (!SqlIdentifier.isValid(base)) {
            throw new InvalidCsvFileException("'" + base + "' is not a valid table name; rename the file to "
                    + "[a-z_][a-z0-9_]*.csv (lower case letters, digits, underscores)");
        }
        return new ImportJob(fileName, new SqlIdentifier(base),
                new RejectsFile(csvDir, base, LocalDateTime.now().format(STAMP)));
    }

    /**
     * Reads the header and the first batch of rows, and creates or looks up the target table (the first batch shows
     * the column types of a new table). Safe to retry when PostgreSQL is unreachable: what was read is kept in the job.
     *
     * @return every data row of the file, the ones already read first
     */
    public Iterator<CsvRow> prepare(Iterator<CsvRow> records, ImportJob job) {
        if (job.header == null) {
            if (!records.hasNext()) {
                throw new InvalidCsvFileException("the file is empty; it needs a header line such as id,nazwa,...");
            }
            job.header = header(job, records.next());
            job.firstRows = nextBatch(records);
        }
        if (job.shape == null) {
            try (Connection connection = dataSource.getConnection()) {
                prepareTable(connection, job, job.firstRows);
            } catch (SQLException e) {
                throw databaseFailure(job, e);
            }
        }
        Iterator<CsvRow> first = job.firstRows.iterator();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return first.hasNext() || records.hasNext();
            }

            @Override
            public CsvRow next() {
                return first.hasNext() ? first.next() : records.next();
            }
        };
    }

    /**
     * Groups the rows in batches and checks them, lazily and in file order, so the first of two rows with the same id
     * is the one imported however the batches are then written.
     */
    public Iterator<CsvBatch> batches(Iterator<CsvRow> rows, ImportJob job) {
        if (job.batchesStarted) {
            // a file being read cannot be rewound: rather than skip rows, fail and let the file be started again
            throw new IllegalStateException("the batches of " + job.fileName + " were asked for twice");
        }
        job.batchesStarted = true;
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                if (stopping.getAsBoolean()) {
                    job.stopped = true;
                    return false;
                }
                return rows.hasNext();
            }

            @Override
            public CsvBatch next() {
                if (!rows.hasNext()) {
                    throw new NoSuchElementException();
                }
                return check(nextBatch(rows), job);
            }
        };
    }

    private List<CsvRow> nextBatch(Iterator<CsvRow> rows) {
        List<CsvRow> batch = new ArrayList<>(Math.min(batchSize, 1024));
        long fields = 0;
        long chars = 0;
        while (batch.size() < batchSize && fields < MAX_BATCH_FIELDS && chars < MAX_BATCH_CHARS && rows.hasNext()) {
            CsvRow row = rows.next();
            batch.add(row);
            fields += row.values().length;
            for (String value : row.values()) {
                chars += value.length();
            }
        }
        return batch;
    }

    private static List<String> header(ImportJob job, CsvRow first) {
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

    /**
     * Writes the good rows of a batch in one transaction; its rejects are recorded once it is committed. Batches of a
     * file may be written concurrently: they hold distinct ids.
     */
    public void write(CsvBatch batch, ImportJob job) {
        try (Connection connection = dataSource.getConnection()) {
            CsvBatch.Accepted accepted = batch.accepted();
            BatchWriter.Result result = writeAccepted(connection, job, accepted);
            List<Reject> rejects = new ArrayList<>(batch.rejects());
            rejects.addAll(result.refused());
            rejects.sort(Comparator.comparingLong(Reject::line));
            synchronized (job) {
                job.imported += accepted.values().size() - result.refused().size();
                job.changed += result.changed();
                recordRejects(job, rejects);
                if (job.progress != null) {
                    job.progress.rowsDone(job.imported + job.rejected, System.nanoTime());
                }
            }
        } catch (SQLException e) {
            throw databaseFailure(job, e);
        }
    }

    private static RuntimeException databaseFailure(ImportJob job, SQLException e) {
        if (PostgresDataSource.isUnavailable(e)) {
            return new DatabaseUnavailableException("PostgreSQL is unavailable while importing " + job.fileName
                    + " (" + e.getMessage() + "); the file stays in place and is retried", e);
        }
        return new IllegalStateException("Importing " + job.fileName + " into " + job.table + " failed: " + e.getMessage(), e);
    }

    private BatchWriter.Result writeAccepted(Connection connection, ImportJob job, CsvBatch.Accepted accepted)
            throws SQLException {
        if (accepted.values().isEmpty()) {
            return new BatchWriter.Result(0, List.of());
        }
        connection.setAutoCommit(false);
        try {
            BatchWriter.Result result = null;
            if (job.directCopy) {
                result = writer.copyInto(connection, job.shape, job.header, accepted.values());
                if (result == null) {
                    job.directCopy = false;
                }
            }
            if (result == null) {
                result = writer.upsert(connection, job.shape, job.header, accepted.values());
            }
            connection.commit();
            return result;
        } catch (SQLException e) {
            rollback(connection, e);
            if (!BatchWriter.isRowError(e)) {
                throw e;
            }
            LOG.debug("Batch of {} refused ({}); writing row by row to find the offending rows", job.fileName, e.getMessage());
            BatchWriter.Result result = writer.upsertEachRow(connection, job.shape, job.header, accepted.values(), accepted.rows());
            connection.commit();
            return result;
        }
    }


    private void prepareTable(Connection connection, ImportJob job, List<CsvRow> sample) throws SQLException {
        TableShape shape = targetTable(connection, job, sample);
        for (String column : job.header) {
            if (!shape.columns().containsKey(column)) {
                throw new InvalidCsvFileException("table " + job.table + " has no column '" + column
                        + "'; fix the header or add the column (ALTER TABLE " + job.table + " ADD COLUMN " + column + " ...)");
            }
        }
        for (TableColumn column : shape.columns().values()) {
            if (!column.nullable() && !column.hasDefault() && !job.header.contains(column.name())) {
                throw new InvalidCsvFileException("the header lacks column '" + column.name()
                        + "', which table " + job.table + " requires");
            }
        }
        if (!shape.idIsUnique()) {
            throw new InvalidCsvFileException("table " + job.table + " has no primary key or unique index "
                    + "on id, so rows cannot be upserted; add one (ALTER TABLE " + job.table + " ADD PRIMARY KEY (id))");
        }
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT NOT EXISTS (SELECT 1 FROM " + shape.qualifiedName() + ")")) {
            rs.next();
            job.directCopy = rs.getBoolean(1);
        }
        ColumnType idType = shape.columns().get("id").type();
        job.ids = new IdSet(idType == ColumnType.BIGINT || idType == ColumnType.INTEGER || idType == ColumnType.SMALLINT);
        job.shape = shape;
    }

    /**
     * The file's table: created, as the import's own, when missing; an existing one only if the import may write into
     * it. A table another session creates at the same moment is judged as an existing one.
     */
    private TableShape targetTable(Connection connection, ImportJob job, List<CsvRow> sample) throws SQLException {
        ownedTables.prepare(connection);
        for (int attempt = 1; ; attempt++) {
            Optional<TableShape> existing = catalog.describe(connection, job.table);
            if (existing.isPresent()) {
                requireWritable(connection, job.table);
                return existing.get();
            }
            connection.setAutoCommit(false);
            try {
                TableShape created = catalog.create(connection, job.table, job.header, sample);
                connection.commit();
                connection.setAutoCommit(true);
                writable.add(job.table.name());
                return created;
            } catch (SQLException e) {
                rollback(connection, e);
                if (attempt == 2 || !TableCatalog.createdMeanwhile(e)) {
                    throw e;
                }
                connection.setAutoCommit(true);
            }
        }
    }

    /** An existing table must be the import's own, have a schema file, or be named by csv.allowed-tables. */
    private void requireWritable(Connection connection, SqlIdentifier table) throws SQLException {
        if (writable.contains(table.name())) {
            return;
        }
        if (!allowedTables.allows(table) && !catalog.hasSchemaFile(table) && !ownedTables.contains(connection, table)) {
            throw new InvalidCsvFileException("table " + catalog.schema() + "." + table + " exists, but the CSV import did "
                    + "not create it and it has no schema file (" + catalog.schemaFile(table) + "), so the import does "
                    + "not write into it (it may belong to another application). If " + table + ".csv is meant for "
                    + "this table, add " + table + " to the setting " + AllowedTables.SETTING + " (environment variable "
                    + AllowedTables.VARIABLE + "; table names separated by commas)");
        }
        writable.add(table.name());
    }

    private static CsvBatch check(List<CsvRow> batch, ImportJob job) {
        List<String> header = job.header;
        TableColumn[] columns = header.stream().map(c -> job.shape.columns().get(c)).toArray(TableColumn[]::new);
        int idIndex = header.indexOf("id");
        List<String[]> values = new ArrayList<>(batch.size());
        List<CsvRow> rows = new ArrayList<>(batch.size());
        List<Reject> rejects = new ArrayList<>();
        String[] normalized = new String[header.size()];
        for (CsvRow row : batch) {
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
                    reason = checkField(columns[i], fields[i], normalized, i);
                }
                if (reason == null && !job.ids.add(normalized[idIndex])) {
                    reason = "duplicate id " + ColumnType.abbreviate(fields[idIndex]) + " (an earlier line of this file has it)";
                }
            }
            if (reason == null) {
                // most rows are written as they were read: they then share the record's array
                values.add(Arrays.equals(normalized, fields, (a, b) -> a == b ? 0 : 1) ? fields : normalized.clone());
                rows.add(row);
            } else {
                rejects.add(new Reject(row.line(), reason, raw(row)));
            }
        }
        return new CsvBatch(new CsvBatch.Accepted(values, rows), rejects);
    }

    private static String checkField(TableColumn column, String field, String[] normalized, int i) {
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

    static String raw(CsvRow row) {
        return RAW_FORMAT.format((Object[]) row.values());
    }

    private static void recordRejects(ImportJob job, List<Reject> rejects) {
        job.rejected += rejects.size();
        job.rejects.append(rejects);
    }

    /** Ends the import of a file: logs and counts what was done. */
    public void finish(ImportJob job) {
        long millis = (System.nanoTime() - job.startedNanos) / 1_000_000;
        if (job.stopped) {
            throw new ImportStoppedException(job.fileName + " -> " + job.table + ": stopped with the pipeline after "
                    + job.imported + " rows; the file is imported again from the top at the next start");
        }
        if (job.rejected > 0) {
            LOG.warn("{} -> {}: {} rows imported ({} changed), {} rejected (see {}) in {} ms", job.fileName, job.table,
                    job.imported, job.changed, job.rejected, job.rejects.path(), millis);
        } else {
            LOG.info("{} -> {}: {} rows imported ({} changed), 0 rejected in {} ms", job.fileName, job.table,
                    job.imported, job.changed, millis);
        }
        stats.imported(job.table.name(), job.imported, job.changed, job.rejected, millis);
    }

    /** Records a file that cannot be imported at all; the route moves it to the error folder. */
    public void refuse(String fileName, Throwable error) {
        Throwable cause = reason(error);
        if (cause instanceof InvalidCsvFileException) {
            LOG.error("Refused {} (moved to {}): {}", fileName, csvDir.resolve(".error"), cause.getMessage());
        } else {
            LOG.error("Failed to import {} (moved to {}): {}", fileName, csvDir.resolve(".error"), cause.getMessage(), cause);
        }
        stats.refused(fileName);
    }

    /** The exception that says what went wrong, beneath Camel's wrappers from invoking the step. */
    private static Throwable reason(Throwable error) {
        return Causes.first(error, t -> t instanceof InvalidCsvFileException
                || !t.getClass().getName().startsWith("org.apache.camel.")).orElse(Causes.root(error));
    }
}
