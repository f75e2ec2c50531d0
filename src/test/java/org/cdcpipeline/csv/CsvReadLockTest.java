package org.cdcpipeline.csv;

import java.io.File;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.component.file.GenericFile;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The per-name lock of the CSV import, with files as Camel hands them over, without a route. */
class CsvReadLockTest {

    @TempDir
    Path csvDir;

    private final CamelContext context = new DefaultCamelContext();

    @AfterEach
    void close() throws Exception {
        context.close();
    }

    @Test
    void shouldKeepTheLockOfAnImportWhenATurnedAwayFileOfTheSameNameIsReleased() throws Exception {
        CsvReadLock lock = new CsvReadLock(csvDir, 10, 0, 5000);
        Files.writeString(csvDir.resolve("klienci.csv"), "id\n1\n");
        Exchange importing = new DefaultExchange(context);
        assertThat(lock.acquireExclusiveReadLock(null, file("klienci.csv"), importing)).isTrue();
        // the import moved it to .inprogress; a newer klienci.csv is turned away, and Camel releases its lock anyway
        Files.createDirectories(csvDir.resolve(CsvReadLock.IN_PROGRESS));
        Files.move(csvDir.resolve("klienci.csv"), csvDir.resolve(CsvReadLock.IN_PROGRESS).resolve("klienci.csv"));
        Files.writeString(csvDir.resolve("klienci.csv"), "id\n2\n");
        Exchange newer = new DefaultExchange(context);
        assertThat(lock.acquireExclusiveReadLock(null, file("klienci.csv"), newer)).isFalse();
        lock.releaseExclusiveReadLockOnAbort(null, file("klienci.csv"), newer);

        assertThatThrownBy(this::tryLock).as("the lock of the import is still held")
                .isInstanceOf(OverlappingFileLockException.class);
        lock.releaseExclusiveReadLockOnCommit(null, file(CsvReadLock.IN_PROGRESS + "/klienci.csv"), importing);
        assertThat(tryLock()).isTrue();
    }

    @Test
    void shouldTurnAwayAFileWhileAnEarlierFileOfItsNameWaitsInProgress() throws Exception {
        CsvReadLock readLock = new CsvReadLock(csvDir, 10, 0, 5000);
        Files.createDirectories(csvDir.resolve(CsvReadLock.IN_PROGRESS));
        Files.writeString(csvDir.resolve(CsvReadLock.IN_PROGRESS).resolve("klienci.csv"), "id\n1\n");
        Files.writeString(csvDir.resolve("klienci.csv"), "id\n2\n");

        Exchange newer = new DefaultExchange(context);
        assertThat(readLock.acquireExclusiveReadLock(null, file("klienci.csv"), newer)).isFalse();
        readLock.releaseExclusiveReadLockOnAbort(null, file("klienci.csv"), newer);

        Exchange interrupted = new DefaultExchange(context);
        GenericFile<File> left = file(CsvReadLock.IN_PROGRESS + "/klienci.csv");
        assertThat(readLock.acquireExclusiveReadLock(null, left, interrupted)).isTrue();
        Files.delete(csvDir.resolve(CsvReadLock.IN_PROGRESS).resolve("klienci.csv"));
        readLock.releaseExclusiveReadLockOnCommit(null, left, interrupted);

        Exchange again = new DefaultExchange(context);
        assertThat(readLock.acquireExclusiveReadLock(null, file("klienci.csv"), again)).isTrue();
        readLock.releaseExclusiveReadLockOnCommit(null, file("klienci.csv"), again);
    }

    /** The file as Camel's file consumer describes it, relative to the CSV folder. */
    private GenericFile<File> file(String relative) {
        Path path = csvDir.resolve(relative);
        GenericFile<File> file = new GenericFile<>();
        file.setEndpointPath(csvDir.toString());
        file.setFile(path.toFile());
        file.setFileNameOnly(path.getFileName().toString());
        file.setFileName(path.getFileName().toString());
        file.setRelativeFilePath(relative);
        file.setAbsoluteFilePath(path.toString());
        file.setAbsolute(true);
        return file;
    }

    /** Whether this process can take the lock of klienci.csv now; throws while another holder here has it. */
    private boolean tryLock() throws Exception {
        try (FileChannel channel = FileChannel.open(csvDir.resolve(".klienci.csv.lock"), StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            return lock != null;
        }
    }
}
