package org.cdcpipeline.management;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.function.Function;
import java.util.stream.Stream;

import org.cdcpipeline.OwnerOnly;
import org.cdcpipeline.StartupException;

/**
 * The two JMX users of a deployment, with passwords from the configuration (jmx.monitor-password,
 * jmx.control-password): {@value #MONITOR} may read attributes (what the doctor reads) and {@value #CONTROL} may also
 * invoke operations, such as a route's stop and start. Neither may create or unregister MBeans. They are written as
 * the JDK's standard JMX password and access files into a new directory only this OS user can enter.
 */
final class JmxUsers {

    static final String MONITOR = "monitor";
    static final String CONTROL = "control";
    static final String PASSWORD_FILE = "jmx.password";
    static final String ACCESS_FILE = "jmx.access";

    private final String monitorPassword;
    private final String controlPassword;

    private JmxUsers(String monitorPassword, String controlPassword) {
        this.monitorPassword = monitorPassword;
        this.controlPassword = controlPassword;
    }

    /** The users jmx.monitor-password and jmx.control-password give; null when neither is set. */
    static JmxUsers fromConfig(Function<String, String> config) {
        String monitor = config.apply("jmx.monitor-password");
        String control = config.apply("jmx.control-password");
        if (monitor.isEmpty() && control.isEmpty()) {
            return null;
        }
        if (monitor.isEmpty() || control.isEmpty()) {
            throw new StartupException("Only " + (monitor.isEmpty() ? "JMX_CONTROL_PASSWORD" : "JMX_MONITOR_PASSWORD")
                    + " is set: set both JMX_MONITOR_PASSWORD (read-only JMX user 'monitor') and JMX_CONTROL_PASSWORD "
                    + "(JMX user 'control', which may stop and start routes)");
        }
        requireOneWord("JMX_MONITOR_PASSWORD", monitor);
        requireOneWord("JMX_CONTROL_PASSWORD", control);
        return new JmxUsers(monitor, control);
    }

    /** A password file line is "user password": a password with a blank in it would be cut there. */
    private static void requireOneWord(String variable, String password) {
        if (!password.matches("\\S+")) {
            throw new StartupException(variable + " contains a space or line break, which a JMX password file cannot "
                    + "hold: choose a password without blanks");
        }
    }

    /**
     * Writes the password file (readable and writable by the owner only, from its creation on) and the access file
     * into a new directory only the owner can enter.
     *
     * @return the directory, to remove with {@link #remove} when the server stops
     */
    Path write() throws IOException {
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        Path dir = posix ? Files.createTempDirectory("cdc-pipeline-jmx", ownerOnly("rwx------"))
                : Files.createTempDirectory("cdc-pipeline-jmx");
        OwnerOnly.write(dir.resolve(PASSWORD_FILE), MONITOR + " " + monitorPassword + "\n" + CONTROL + " " + controlPassword + "\n");
        OwnerOnly.write(dir.resolve(ACCESS_FILE), MONITOR + " readonly\n" + CONTROL + " readwrite\n");
        return dir;
    }

    private static FileAttribute<?> ownerOnly(String permissions) {
        return PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(permissions));
    }

    /** Removes a directory {@link #write} made. */
    static void remove(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
