package org.cdcpipeline.csv;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import org.cdcpipeline.Samples;

import static org.awaitility.Awaitility.await;

/** A CSV folder of one test: files are dropped in atomically, as a well-behaved producer does. */
final class CsvFolder {

    final Path dir;

    CsvFolder(Path dir) {
        this.dir = dir;
    }

    void drop(String name, String content) throws IOException {
        Path tmp = dir.resolve("." + name + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    }

    void dropSample(String name) throws IOException {
        drop(name, Files.readString(Samples.path(name), StandardCharsets.UTF_8));
    }

    /**
     * Waits until the file has left the folder and .inprogress (where it is while it is imported) and returns the
     * folder it went to (.done or .error).
     */
    String awaitProcessed(String name) throws IOException {
        await().atMost(Duration.ofSeconds(60)).until(() -> !Files.exists(dir.resolve(name))
                && !Files.exists(dir.resolve(CsvReadLock.IN_PROGRESS).resolve(name)) && outcome(name) != null);
        return outcome(name);
    }

    private String outcome(String name) throws IOException {
        for (String folder : List.of(".done", ".error")) {
            Path d = dir.resolve(folder);
            if (Files.isDirectory(d)) {
                try (Stream<Path> files = Files.list(d)) {
                    if (files.anyMatch(f -> f.getFileName().toString().endsWith("-" + name))) {
                        return folder;
                    }
                }
            }
        }
        return null;
    }

    /** The rejects of the latest import of the table that had any ({@code <table>.<start>.rejects.csv}). */
    List<String> rejects(String table) throws IOException {
        List<Path> files = rejectsFiles(table);
        return files.isEmpty() ? List.of() : Files.readAllLines(files.get(files.size() - 1), StandardCharsets.UTF_8);
    }

    /** Every rejects file of the table, oldest first. */
    List<Path> rejectsFiles(String table) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().matches(java.util.regex.Pattern.quote(table)
                    + "\\.[0-9]{8}-[0-9]{9}(-[0-9]+)?\\.rejects\\.csv")).sorted().toList();
        }
    }
}
