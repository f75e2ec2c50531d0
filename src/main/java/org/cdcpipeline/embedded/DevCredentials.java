package org.cdcpipeline.embedded;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Properties;
import java.util.function.Supplier;

import org.cdcpipeline.OwnerOnly;
import org.cdcpipeline.StartupException;

/**
 * Credentials of the embedded servers when none are configured: generated once per data directory and kept,
 * owner-readable only, in {@code <data-dir>/dev-credentials.properties}, so restarts keep them.
 */
final class DevCredentials {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path file;
    private final Properties values = new Properties();

    private DevCredentials(Path file) {
        this.file = file;
    }

    static DevCredentials in(Path dataDir) {
        DevCredentials credentials = new DevCredentials(dataDir.resolve("dev-credentials.properties"));
        try {
            if (Files.exists(credentials.file)) {
                try (Reader in = Files.newBufferedReader(credentials.file)) {
                    credentials.values.load(in);
                }
            }
            return credentials;
        } catch (IOException e) {
            throw credentials.failure(e);
        }
    }

    /** The configured value, else the kept development value, else a new one (kept for the next start). */
    String resolve(String key, String configured, Supplier<String> generator) {
        if (!configured.isBlank()) {
            return configured;
        }
        String kept = values.getProperty(key, "");
        if (!kept.isBlank()) {
            return kept;
        }
        values.setProperty(key, generator.get());
        try {
            OwnerOnly.directory(file.getParent());
            StringWriter text = new StringWriter();
            values.store(text, "development credentials of the embedded servers; configure POSTGRES_PASSWORD, "
                    + "S3_ACCESS_KEY and S3_SECRET_KEY to choose your own");
            OwnerOnly.write(file, text.toString());
        } catch (IOException e) {
            throw failure(e);
        }
        return values.getProperty(key);
    }

    /** The configured value, else the kept development value, else "" (nothing is generated or written). */
    String kept(String key, String configured) {
        return configured.isBlank() ? values.getProperty(key, "") : configured;
    }

    /** Where a development credential is kept, for a person to look it up: "in <file> (key)". */
    String whereIs(String key) {
        return "in " + file + " (" + key + ")";
    }

    static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private StartupException failure(IOException e) {
        return new StartupException("Cannot read or write " + file + " (" + e.getMessage()
                + "): make the data directory writable, or configure the credentials.", e);
    }
}
