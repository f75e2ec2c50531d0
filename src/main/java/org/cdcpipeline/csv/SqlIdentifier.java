package org.cdcpipeline.csv;

import java.util.regex.Pattern;

import org.cdcpipeline.SqlIdentifiers;

/**
 * A table or column name that came from data (a file name, a CSV header): only {@code [a-z_][a-z0-9_]*} of at most 63
 * characters (PostgreSQL's limit) is accepted, and it always reaches SQL double-quoted.
 */
public record SqlIdentifier(String name) {

    private static final Pattern VALID = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    public SqlIdentifier {
        if (name == null || !VALID.matcher(name).matches()) {
            throw new IllegalArgumentException("'" + name + "' is not a valid name: use [a-z_][a-z0-9_]*, at most 63 characters");
        }
    }

    public static boolean isValid(String name) {
        return name != null && VALID.matcher(name).matches();
    }

    /** The name as a quoted SQL identifier. */
    public String quoted() {
        return SqlIdentifiers.quote(name);
    }

    @Override
    public String toString() {
        return name;
    }
}
