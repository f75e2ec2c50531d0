package org.cdcpipeline.csv;

/**
 * A CSV file being imported and the table it names: {@code klienci.csv} goes into {@code klienci}.
 *
 * @param name  the file's name as dropped
 * @param table the table named by the file, less {@code .csv}
 */
public record CsvFile(String name, SqlIdentifier table) {

    /** The file's name, less {@code .csv}, must be a valid table name. */
    public static CsvFile named(String fileName) {
        String base = fileName.endsWith(".csv") ? fileName.substring(0, fileName.length() - 4) : fileName;
        if (!SqlIdentifier.isValid(base)) {
            throw new InvalidCsvFileException("'" + base + "' is not a valid table name; rename the file to "
                    + "[a-z_][a-z0-9_]*.csv (lower case letters, digits, underscores)");
        }
        return new CsvFile(fileName, new SqlIdentifier(base));
    }
}
