package org.cdcpipeline.csv;

import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.camel.Exchange;
import org.apache.camel.component.file.GenericFile;
import org.apache.camel.component.file.GenericFileOperations;
import org.apache.camel.component.file.strategy.FileChangedExclusiveReadLockStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When a CSV file may be imported: this process holds the OS lock of its lock file {@code .<name>.lock}, so two
 * pipelines on one machine never import the same file at once; it has not changed for csv.read-lock-min-age-ms
 * (Camel's {@code changed} read lock); and, where Linux shows it in /proc, no process has it open for writing, so a
 * writer that pauses longer than the minimum age does not get a half-written file imported while it keeps the file
 * open. Processes of other users are visible only to root, and processes in other containers or on other machines not
 * at all: for them the minimum age is the only guard, and writing under another name and renaming the file when
 * complete is the safe way.
 * <p>
 * Camel's marker files ({@code <name>.camelLock}) are not used: a pipeline deletes them all as orphans when it starts,
 * including the marker of a file another pipeline is importing. An OS lock ends with its process, even on kill -9,
 * so it leaves no orphan; the lock files stay, empty, one per file name.
 */
public final class CsvReadLock extends FileChangedExclusiveReadLockStrategy {

    private static final Logger LOG = LoggerFactory.getLogger(CsvReadLock.class);
    private static final Path PROC = Path.of("/proc");
    /** O_ACCMODE bits of the flags in /proc/<pid>/fdinfo/<fd>: 1 = O_WRONLY, 2 = O_RDWR. */
    private static final int ACCESS_MODE = 3;

    private final Map<String, FileChannel> held = new ConcurrentHashMap<>();

    public CsvReadLock(long checkIntervalMillis, long minAgeMillis, long timeoutMillis) {
        setMarkerFiler(false);
        setDeleteOrphanLockFiles(false);
        setCheckInterval(checkIntervalMillis);
        setMinAge(minAgeMillis);
        setTimeout(timeoutMillis);
        // an empty file is still a file to refuse, not one to wait for
        setMinLength(0);
    }

    @Override
    public boolean acquireExclusiveReadLock(GenericFileOperations<File> operations, GenericFile<File> file,
                                            Exchange exchange) throws Exception {
        Path path = Path.of(file.getAbsoluteFilePath());
        if (!lock(path)) {
            LOG.debug("{} is being imported by another pipeline", file.getFileName());
            return false;
        }
        if (!super.acquireExclusiveReadLock(operations, file, exchange)) {
            release(path);
            return false;
        }
        OptionalLong writer = writer(path);
        if (writer.isPresent()) {
            LOG.debug("{} is still open for writing by process {}; it is imported once closed", file.getFileName(),
                    writer.getAsLong());
            release(path);
            return false;
        }
        return true;
    }

    private boolean lock(Path file) throws IOException {
        Path lockFile = file.resolveSibling("." + file.getFileName() + ".lock");
        FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException heldInThisProcess) {
            lock = null;
        }
        if (lock == null) {
            channel.close();
            return false;
        }
        held.put(file.toString(), channel);
        return true;
    }

    private void release(Path file) throws IOException {
        FileChannel channel = held.remove(file.toString());
        if (channel != null) {
            channel.close();
        }
    }

    @Override
    protected void doReleaseExclusiveReadLock(GenericFile<File> file, Exchange exchange) throws Exception {
        // after the file has been moved to .done or .error: a pipeline that takes the lock next finds it gone
        release(Path.of(file.getAbsoluteFilePath()));
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
