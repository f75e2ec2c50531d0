package org.cdcpipeline.doctor;

/**
 * The outcome of one check: its status, the component it belongs to, what was found and, unless OK, the fix in one
 * line.
 */
public record CheckResult(Status status, String component, String detail, String fix) {

    public enum Status { OK, WARN, FAIL }

    static CheckResult ok(String component, String detail) {
        return new CheckResult(Status.OK, component, detail, null);
    }

    static CheckResult warn(String component, String detail, String fix) {
        return new CheckResult(Status.WARN, component, detail, fix);
    }

    static CheckResult fail(String component, String detail, String fix) {
        return new CheckResult(Status.FAIL, component, detail, fix);
    }

    /** A client's error message cut to its first line and 200 characters: the line is for a person. */
    static String brief(String message) {
        String first = message == null ? "" : message.lines().findFirst().orElse("");
        return first.length() <= 200 ? first : first.substring(0, 197) + "...";
    }

    /** {@code FAIL postgres   wal_level is replica  -> fix: set wal_level = logical ...}, aligned in columns. */
    public String line() {
        return String.format("%-4s %-10s %s%s", status, component, detail, fix == null ? "" : "  -> fix: " + fix);
    }
}
