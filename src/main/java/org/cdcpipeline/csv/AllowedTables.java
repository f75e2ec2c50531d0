package org.cdcpipeline.csv;

import java.util.LinkedHashSet;
import java.util.Set;

import org.cdcpipeline.StartupException;

/**
 * The tables of csv.schema the import may write into although it did not create them and they have no schema file:
 * the setting csv.allowed-tables, table names separated by commas, or {@code *} for every table of the schema.
 */
public record AllowedTables(Set<String> names, boolean all) {

    static final String SETTING = "csv.allowed-tables";
    static final String VARIABLE = "CSV_ALLOWED_TABLES";

    public AllowedTables {
        names = Set.copyOf(names);
    }

    /** Reads the setting; a name that cannot be a table name stops the start, naming the setting. */
    public static AllowedTables parse(String setting) {
        Set<String> names = new LinkedHashSet<>();
        boolean all = false;
        for (String entry : setting.split(",")) {
            String name = entry.trim();
            if (name.equals("*")) {
                all = true;
            } else if (SqlIdentifier.isValid(name)) {
                names.add(name);
            } else if (!name.isEmpty()) {
                throw new StartupException(SETTING + " (" + VARIABLE + ") holds '" + name + "', which is not a table "
                        + "name: list table names as the CSV files are named ([a-z_][a-z0-9_]*, users for users.csv), "
                        + "separated by commas, or * for every table of csv.schema.");
            }
        }
        return new AllowedTables(names, all);
    }

    boolean allows(SqlIdentifier table) {
        return all || names.contains(table.name());
    }
}
