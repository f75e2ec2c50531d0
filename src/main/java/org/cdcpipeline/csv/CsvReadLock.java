package org.cdcpipeline.csv;

import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

import org.apache.camel.Exchange;
import org.apache.camel.component.file.GenericFile;
import org.apache.camel.component.file.GenericFileOperations;
import org.apache.camel.component.file.strategy.FileChangedExclusiveReadLockStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When a CSV file may be imported: it has not changed for csv.read-lock-min-age-ms (Camel's {@code changed} read lock,
 * with its marker file {@code <name>.camelLock}, created with O_EXCL, so two pipelines on one machine never import
 * the same file), and, where Linux shows it in /proc, no process has it open for writing. A writer that pauses longer
 * than the minimum age therefore does not get a half-written file imported, as long as it keeps the file open.
 * Processes of other users are visible only to root, and processes in other containers or on other machines not at
 * all: for them the minimum age is the only guard, and writing under another name and renaming the file when
 * complete is the safe way.
 */
public final class CsvReadLock extends FileChangedExclusiveReadLockStrategy {

    private static final Logger LOG = LoggerFactory.getLogger(CsvReadLock.class);
    private static final Path PROC = Path.of("/proc");
    /** O_ACCMODE bits of the flags in /proc/<pid>/fdinfo/<fd>: 1 = O_WRONLY, 2 = O_RDWR. */
    private static final int ACCESS_MODE = 3;

    public CsvReadLock(long checkIntervalMillis, long minAgeMillis, long timeoutMillis) {
        setCheckInterval(checkIntervalMillis);
        setMinAge(minAgeMillis);
        setTimeout(timeoutMillis);
        // an empty file is still a file to refuse, not one to wait for
        setMinLength(0);
    }

    @Override
    public boolean acquireExclusiveReadLock(GenericFileOperations<File> operations, GenericFile<File> file,
                                            Exchange exchange) throws Exception {
        if (!super.acquireExclusiveReadLock(operations, file, exchange)) {
            return false;
        }
        OptionalLong writer = writer(Path.of(file.getAbsoluteFilePath()));
        if (writer.isPresent()) {
            LOG.debug("{} is still open for writing by process {}; it is imported once closed", file.getFileName(),
                    writer.getAsLong());
            releaseExclusiveReadLockOnAbort(operations, file, exchange);
            return false;
        }
        return true;
    }

    /** A process that has the file open for writing, if /proc shows one. */
    static OptionalLong writer(Path file) {
        if (!Files.isDirectory(PROC.resolve("self/fd"))) {
            return OptionalLong.empty();
        }
        Path target;
        try {
            target = file.toRealPath();
        } catch (IOException gone) {
            return OptionalLong.empty();
        }
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(PROC, p -> isNumber(p.getFileName().toString()))) {
            for (Path process : processes) {
                if (writes(process, target)) {
                    return OptionalLong.of(Long.parseLong(process.getFileName().toString()));
                }
            }
        } catch (IOException e) {
            LOG.debug("Cannot list the processes in /proc: {}", e.getMessage());
        }
        return OptionalLong.empty();
    }

    private static boolean writes(Path process, Path target) {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(process.resolve("fd"))) {
            for (Path fd : fds) {
                if (target.equals(readLink(fd)) && openForWriting(process.resolve("fdinfo").resolve(fd.getFileName()))) {
                    return true;
                }
            }
        } catch (IOException | SecurityException notVisible) {
            // another user's process, or one that has ended
        }
        return false;
    }

    private static Path readLink(Path fd) {
        try {
            return Files.readSymbolicLink(fd);
        } catch (IOException closed) {
            return null;
        }
    }

    private static boolean openForWriting(Path fdinfo) throws IOException {
        for (String line : Files.readAllLines(fdinfo)) {
            if (line.startsWith("flags:")) {
                int flags = Integer.parseInt(line.substring("flags:".length()).trim(), 8);
                return (flags & ACCESS_MODE) != 0;
            }
        }
        return false;
    }

    private static boolean isNumber(String name) {
        return !name.isEmpty() && name.chars().allMatch(Character::isDigit);
    }
}
