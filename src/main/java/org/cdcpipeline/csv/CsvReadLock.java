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
 * The lock is one per file name (the file keeps its name in {@code .inprogress/}, where its import moves it first) and
 * is held until the file has moved on to {@code .done/} or {@code .error/}, or its import has failed: a new file of the
 * same name dropped meanwhile waits, and is imported after it. A file of that name in {@code .inprogress/} while nobody
 * holds the lock is an import that was interrupted (kill -9, PostgreSQL away longer than the retries): a new file of
 * the same name waits until that one has been imported again, so the files of one name are imported in the order they
 * came.
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

    /** The folder of the files being imported, in the CSV folder. */
    public static final String IN_PROGRESS = ".inprogress";

    /**
     * The lock files this process holds a lock of, by the exchange that holds it, whichever pipeline of the process
     * took it. The OS lock (fcntl) of a process ends when it closes any descriptor of the file, so no second channel is
     * opened on a lock file held here: that would hand the lock to another pipeline while a file is being imported.
     */
    private static final Map<Path, String> HELD_IN_THIS_PROCESS = new ConcurrentHashMap<>();

    private record Held(Path lockFile, FileChannel channel) {
    }

    private final Path csvDir;
    private final Path inProgress;
    /**
     * The locks of this pipeline, by the exchange that holds one: Camel also releases the lock of an exchange that did
     * not get it (abort), and that must not end the lock of the exchange importing a file of the same name.
     */
    private final Map<String, Held> held = new ConcurrentHashMap<>();

    public CsvReadLock(Path csvDir, long checkIntervalMillis, long minAgeMillis, long timeoutMillis) {
        this.csvDir = csvDir;
        this.inProgress = csvDir.resolve(IN_PROGRESS).toAbsolutePath().normalize();
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
        String name = file.getFileNameOnly();
        if (!lock(name, exchange)) {
            LOG.debug("{} is being imported, by this or another pipeline", name);
            return false;
        }
        Path path = Path.of(file.getAbsoluteFilePath());
        if (!inProgress.equals(path.toAbsolutePath().normalize().getParent()) && Files.exists(inProgress.resolve(name))) {
            LOG.debug("{} waits: an earlier {} whose import was interrupted is imported again first", name, name);
            release(exchange);
            return false;
        }
        if (!super.acquireExclusiveReadLock(operations, file, exchange)) {
            release(exchange);
            return false;
        }
        OptionalLong writer = writer(path);
        if (writer.isPresent()) {
            LOG.debug("{} is still open for writing by process {}; it is imported once closed", name,
                    writer.getAsLong());
            release(exchange);
            return false;
        }
        return true;
    }

    private boolean lock(String name, Exchange exchange) throws IOException {
        Path lockFile = csvDir.resolve("." + name + ".lock").toAbsolutePath().normalize();
        if (HELD_IN_THIS_PROCESS.putIfAbsent(lockFile, exchange.getExchangeId()) != null) {
            return false;
        }
        FileLock lock = null;
        FileChannel channel = null;
        try {
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS);
            lock = channel.tryLock();
        } catch (OverlappingFileLockException heldInThisProcess) {
            // held here through another path to the same file (a link)
            lock = null;
        } finally {
            if (lock == null) {
                if (channel != null) {
                    channel.close();
                }
                HELD_IN_THIS_PROCESS.remove(lockFile);
            }
        }
        if (lock == null) {
            return false;
        }
        held.put(exchange.getExchangeId(), new Held(lockFile, channel));
        return true;
    }

    private void release(Exchange exchange) throws IOException {
        Held lock = held.remove(exchange.getExchangeId());
        if (lock != null) {
            try {
                lock.channel().close();
            } finally {
                HELD_IN_THIS_PROCESS.remove(lock.lockFile());
            }
        }
    }

    @Override
    protected void doReleaseExclusiveReadLock(GenericFile<File> file, Exchange exchange) throws Exception {
        // after the file has been moved from .inprogress to .done or .error, or left there when its import failed
        release(exchange);
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
