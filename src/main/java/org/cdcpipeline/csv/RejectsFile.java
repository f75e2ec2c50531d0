package org.cdcpipeline.csv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import org.apache.commons.csv.CSVFormat;

/**
 * The rejected rows of one import, in a file of their own ({@code <table>.<start time>.rejects.csv}, columns
 * line,reason,raw), so the rejects of earlier imports are kept. The file is always new: it is created with CREATE_NEW
 * (O_CREAT|O_EXCL), which neither overwrites a file nor follows a link planted under its name; a taken name gets a
 * counter. A cell a spreadsheet would take for a formula (starting with =, +, -, @, tab or carriage return) is written
 * with a leading single quote, as OWASP advises against CSV injection.
 */
final class RejectsFile {

    private static final CSVFormat FORMAT = CSVFormat.DEFAULT.builder().setRecordSeparator('\n').get();

    private final Path dir;
    private final String baseName;
    private Path path;

    RejectsFile(Path dir, String table, String stamp) {
        this.dir = dir;
        this.baseName = table + "." + stamp;
    }

    /** Where the rejects are, once there are any. */
    Path path() {
        return path != null ? path : dir.resolve(baseName + ".rejects.csv");
    }

    void append(List<Reject> rejects) {
        if (rejects.isEmpty()) {
            return;
        }
        try (Writer out = open()) {
            for (Reject r : rejects) {
                FORMAT.printRecord(out, r.line(), safe(r.reason()), safe(r.raw()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write rejects to " + path() + " (disk full?)", e);
        }
    }

    private Writer open() throws IOException {
        if (path != null) {
            return Files.newBufferedWriter(path, StandardCharsets.UTF_8, StandardOpenOption.APPEND,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS);
        }
        for (int n = 1; ; n++) {
            Path candidate = dir.resolve(baseName + (n == 1 ? "" : "-" + n) + ".rejects.csv");
            try {
                Writer out = Channels.newWriter(Files.newByteChannel(candidate, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE), StandardCharsets.UTF_8);
                path = candidate;
                FORMAT.printRecord(out, "line", "reason", "raw");
                return out;
            } catch (FileAlreadyExistsException taken) {
                if (n >= 100) {
                    throw taken;
                }
            }
        }
    }

    /** A cell as a spreadsheet shows it, never evaluates it. */
    static String safe(String cell) {
        if (!cell.isEmpty() && "=+-@\t\r".indexOf(cell.charAt(0)) >= 0) {
            return "'" + cell;
        }
        return cell;
    }
}
