package org.cdcpipeline.embedded;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.cdcpipeline.OwnerOnly;
import org.cdcpipeline.StartupException;

/**
 * Makes one pipeline process the owner of a data directory. The operating system releases the lock when the process
 * dies, even by kill -9, so a lock left by a killed run never blocks the next start; while the owner lives, a second
 * process is refused before it can touch the first one's servers.
 */
final class DataDirectoryLock implements AutoCloseable {

    private final FileChannel channel;
    private final FileLock lock;

    private DataDirectoryLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    static DataDirectoryLock acquire(Path dataDir) {
        Path lockFile = dataDir.resolve("pipeline.lock");
        try {
            OwnerOnly.directory(dataDir);
            FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                String owner = new String(Files.readAllBytes(lockFile), StandardCharsets.UTF_8).trim();
                channel.close();
                throw new StartupException("Data directory " + dataDir.toAbsolutePath() + " is in use by another "
                        + "cdc-pipeline process" + (owner.isEmpty() ? "" : " (pid " + owner + ")")
                        + ": stop it, or give this one its own PIPELINE_DATA_DIR and ports.");
            }
            channel.truncate(0);
            channel.write(java.nio.ByteBuffer.wrap(
                    String.valueOf(ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8)));
            channel.force(true);
            return new DataDirectoryLock(channel, lock);
        } catch (IOException e) {
            throw new StartupException("Cannot lock data directory " + dataDir.toAbsolutePath() + " (" + e.getMessage()
                    + "): check that it is writable or set PIPELINE_DATA_DIR.", e);
        }
    }

    @Override
    public void close() throws IOException {
        lock.release();
        channel.close();
    }
}
