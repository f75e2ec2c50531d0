package org.cdcpipeline.csv;

import java.util.Map;

/** The columns of a target table, in table order, and whether {@code id} has a unique index to upsert on. */
public record TableShape(SqlIdentifier schema, SqlIdentifier table, Map<String, TableColumn> columns, boolean idIsUnique) {

    public String qualifiedName() {
        return schema.quoted() + "." + table.quoted();
    }
}
