package org.cdcpipeline;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Directories and files that only the operating-system user running the pipeline can enter or read: the data directory
 * (credentials, the embedded servers' data) and the development credentials in it. On a file system without POSIX
 * permissions (Windows) they are created with its defaults.
 */
public final class OwnerOnly {

    private static final Logger LOG = LoggerFactory.getLogger(OwnerOnly.class);
    private static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

    private OwnerOnly() {
    }

    /**
     * Creates {@code dir} (and missing parents) as {@code rwx------}; an existing one that others may enter is
     * restricted to its owner (a data directory of an earlier version was created with the default rights).
     */
    public static Path directory(Path dir) throws IOException {
        if (!posix(dir)) {
            return Files.createDirectories(dir);
        }
        if (!Files.isDirectory(dir)) {
            try {
                return Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIRECTORY));
            } catch (FileAlreadyExistsException e) {
                // created by another process meanwhile: restricted below
            }
        }
        Set<PosixFilePermission> current = Files.getPosixFilePermissions(dir);
        if (!DIRECTORY.containsAll(current)) {
            Files.setPosixFilePermissions(dir, DIRECTORY);
            LOG.info("Restricted {} to its owner (it was {}): it holds credentials and data", dir,
                    PosixFilePermissions.toString(current));
        }
        return dir;
    }

    /**
     * Replaces {@code file} with {@code content} atomically: written to a file in the same directory that is created
     * {@code rw-------}, then renamed, so neither a reader nor a crash ever sees the file half written or with wider
     * rights.
     */
    public static void write(Path file, String content) throws IOException {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(temp); // left by a crash between create and rename
        FileAttribute<?>[] ownerOnly = posix(file)
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE)} : new FileAttribute<?>[0];
        try (FileChannel out = FileChannel.open(temp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                ownerOnly)) {
            ByteBuffer bytes = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                out.write(bytes);
            }
            out.force(true);
        }
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static boolean posix(Path path) {
        return path.toAbsolutePath().getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    /**
     * Whether other users than the owner may read or change {@code file}; false without POSIX permissions or when the
     * file is missing (its user then names it).
     */
    public static boolean othersMayAccess(Path file) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
        if (view == null || !Files.exists(file)) {
            return false;
        }
        Set<PosixFilePermission> others = view.readAttributes().permissions();
        others.retainAll(Set.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE,
                PosixFilePermission.OTHERS_EXECUTE));
        return !others.isEmpty();
    }
}
