package org.cdcpipeline.embedded;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Properties;

import org.cdcpipeline.StartupException;

/**
 * The keys the embedded S3 server accepts: the configured ones, or development keys generated once per data directory
 * and kept (owner-readable only) in {@code <data-dir>/s3-dev-credentials.properties}, so restarts keep them.
 */
record S3Credentials(String accessKey, String secretKey, String source) {

    static S3Credentials resolve(String accessKey, String secretKey, Path dataDir) {
        if (!accessKey.isBlank() && !secretKey.isBlank()) {
            return new S3Credentials(accessKey, secretKey, "S3_ACCESS_KEY / S3_SECRET_KEY");
        }
        Path file = dataDir.resolve("s3-dev-credentials.properties");
        try {
            Properties keys = new Properties();
            if (Files.exists(file)) {
                try (Reader in = Files.newBufferedReader(file)) {
                    keys.load(in);
                }
            }
            if (keys.getProperty("access-key", "").isBlank() || keys.getProperty("secret-key", "").isBlank()) {
                SecureRandom random = new SecureRandom();
                keys.setProperty("access-key", "dev" + hex(random, 8));
                keys.setProperty("secret-key", hex(random, 20));
                Files.createDirectories(dataDir);
                try (Writer out = Files.newBufferedWriter(file)) {
                    keys.store(out, "development keys of the embedded S3 server; set S3_ACCESS_KEY and S3_SECRET_KEY to choose your own");
                }
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            }
            return new S3Credentials(keys.getProperty("access-key"), keys.getProperty("secret-key"),
                    "development keys from " + file);
        } catch (IOException e) {
            throw new StartupException("Cannot read or write " + file + " (" + e.getMessage()
                    + "): set S3_ACCESS_KEY and S3_SECRET_KEY, or make the data directory writable.", e);
        }
    }

    private static String hex(SecureRandom random, int bytes) {
        byte[] b = new byte[bytes];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
