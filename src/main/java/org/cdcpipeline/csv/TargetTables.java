package org.cdcpipeline.csv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import javax.sql.DataSource;

import org.cdcpipeline.Transactions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The table a CSV file goes into: created, as the import's own, when missing; an existing one only if the import may
 * write into it, and only if the file's header fits it.
 *
 * <p>A file names its table, so whoever can drop a file could otherwise write into any table of csv.schema with an
 * id column. The import writes only into tables it created itself, tables with a schema file, and the tables
 * csv.allowed-tables names; a file for any other existing table is refused.
 */
public final class TargetTables {

    private static final Logger LOG = LoggerFactory.getLogger(TargetTables.class);

    private final DataSource dataSource;
    private final TableCatalog catalog;
    private final AllowedTables allowedTables;
    private final OwnedTables ownedTables;
    /** Existing tables found writable: the decision is made once per table and process, not for every file. */
    private final Set<String> writable = ConcurrentHashMap.newKeySet();

    /**
     * @param schema        csv.schema, where the tables are
     * @param schemaDir     csv.schema-dir, the tables' schema files
     * @param allowedTables existing tables the import may write into besides its own and those with a schema file
     * @param ownedTables   the tables the import created
     */
    public TargetTables(DataSource dataSource, String schema, Path schemaDir, AllowedTables allowedTables,
                        OwnedTables ownedTables) {
        this.dataSource = dataSource;
        this.catalog = new TableCatalog(new SqlIdentifier(schema), schemaDir, ownedTables);
        this.allowedTables = allowedTables;
        this.ownedTables = ownedTables;
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

    /**
     * Creates or looks up the file's table (the first rows show the column types of a new table) and checks the
     * header fits it. Safe to retry when PostgreSQL is unreachable: nothing of the file is read here.
     */
    public TargetTable prepare(CsvFile file, CsvRows rows) {
        try (Connection connection = dataSource.getConnection()) {
            TableShape shape = table(connection, file.table(), rows.header(), rows.sample());
            requireFits(file.table(), rows.header(), shape);
            return new TargetTable(file, shape, rows.header(), isEmpty(connection, shape));
        } catch (SQLException e) {
            throw DatabaseFailures.of(file, e);
        }
    }

    private static void requireFits(SqlIdentifier table, List<String> header, TableShape shape) {
        for (String column : header) {
            if (!shape.columns().containsKey(column)) {
                throw new InvalidCsvFileException("table " + table + " has no column '" + column
                        + "'; fix the header or add the column (ALTER TABLE " + table + " ADD COLUMN " + column + " ...)");
            }
        }
        for (TableColumn column : shape.columns().values()) {
            if (!column.nullable() && !column.hasDefault() && !header.contains(column.name())) {
                throw new InvalidCsvFileException("the header lacks column '" + column.name()
                        + "', which table " + table + " requires");
            }
        }
        if (!shape.idIsUnique()) {
            throw new InvalidCsvFileException("table " + table + " has no primary key or unique index "
                    + "on id, so rows cannot be upserted; add one (ALTER TABLE " + table + " ADD PRIMARY KEY (id))");
        }
    }

    private static boolean isEmpty(Connection connection, TableShape shape) throws SQLException {
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT NOT EXISTS (SELECT 1 FROM " + shape.qualifiedName() + ")")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    /** A table another session creates at the same moment is judged as an existing one. */
    private TableShape table(Connection connection, SqlIdentifier table, List<String> header, List<CsvRow> sample)
            throws SQLException {
        ownedTables.prepare(connection);
        for (int attempt = 1; ; attempt++) {
            Optional<TableShape> existing = catalog.describe(connection, table);
            if (existing.isPresent()) {
                requireWritable(connection, table);
                return existing.get();
            }
            connection.setAutoCommit(false);
            try {
                TableShape created = catalog.create(connection, table, header, sample);
                connection.commit();
                connection.setAutoCommit(true);
                writable.add(table.name());
                return created;
            } catch (SQLException e) {
                Transactions.rollback(connection, e);
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
}
