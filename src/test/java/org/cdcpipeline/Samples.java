package org.cdcpipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The sample CSV files the project ships in csv_files/. Running the pipeline moves them to csv_files/.done/, so the
 * newest imported copy is used when the original has been imported already.
 */
public final class Samples {

    private static final Path DIR = Path.of("csv_files");

    private Samples() {
    }

    public static Path path(String name) {
        Path shipped = DIR.resolve(name);
        if (Files.exists(shipped)) {
            return shipped;
        }
        try (Stream<Path> done = Files.exists(DIR.resolve(".done")) ? Files.list(DIR.resolve(".done")) : Stream.empty()) {
            return done.filter(p -> p.getFileName().toString().endsWith("-" + name))
                    .max(Comparator.comparing(p -> p.getFileName().toString()))
                    .orElseThrow(() -> new IllegalStateException("Sample " + shipped + " is missing: git checkout csv_files"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
