package org.cdcpipeline.management;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;

import org.apache.camel.impl.DefaultCamelContext;
import org.cdcpipeline.ProbeContext;
import org.cdcpipeline.StartupException;
import org.cdcpipeline.TestServices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Remote JMX as operators reach it: one port; on loopback without users (the laptop default), beyond it only with
 * users; standard password and access files, or the monitor and control users the configuration gives, of which
 * monitor reads and only control may act on a route.
 */
class JmxServerTest {

    private static final String MONITOR_PASSWORD = "m0nitor-secret";
    private static final String CONTROL_PASSWORD = "c0ntrol-secret";

    @TempDir
    Path dir;

    @Test
    void shouldRefuseToStartOnAPortInUseNamingJmxPort() throws IOException {
        try (ServerSocket busy = new ServerSocket()) {
            busy.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            JmxServer server = new JmxServer("127.0.0.1", busy.getLocalPort(), "", "");
            assertThatThrownBy(server::start).isInstanceOf(StartupException.class)
                    .hasMessageContaining("JMX port " + busy.getLocalPort()).hasMessageContaining("JMX_PORT");
        }
    }

    @Test
    void shouldRefuseToListenBeyondLoopbackWithoutUsersNamingTheVariablesToSet() throws IOException {
        for (String host : List.of("0.0.0.0", "::", nonLoopbackAddress())) {
            int port = TestServices.freePort();
            JmxServer server = new JmxServer(host, port, "", "");
            assertThatThrownBy(server::start).as(host).isInstanceOf(StartupException.class)
                    .hasMessageContaining("JMX on " + host + " (JMX_HOST) can be reached from other machines")
                    .hasMessageContaining("JMX_PASSWORD_FILE and JMX_ACCESS_FILE")
                    .hasMessageContaining("JMX_MONITOR_PASSWORD and JMX_CONTROL_PASSWORD");
            // nothing listens: the port is still free
            try (ServerSocket free = new ServerSocket()) {
                free.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            }
        }
    }

    @Test
    void shouldAcceptAnyoneOnLoopbackWithoutUsers() throws Exception {
        int port = TestServices.freePort();
        JmxServer server = new JmxServer("127.0.0.1", port, "", "");
        server.start();
        try (JMXConnector connector = JmxServer.connect(config(port, Map.of()))) {
            assertThat(connector.getMBeanServerConnection().isRegistered(new ObjectName("java.lang:type=Runtime"))).isTrue();
        } finally {
            server.stop();
        }
    }

    @Test
    void shouldRefuseAPasswordFileOtherUsersCanRead() throws IOException {
        Path passwords = Files.writeString(dir.resolve("jmx.password"), "monitor secret\n");
        Files.setPosixFilePermissions(passwords, PosixFilePermissions.fromString("rw-r--r--"));
        JmxServer server = new JmxServer("0.0.0.0", TestServices.freePort(), passwords.toString(), "");
        assertThatThrownBy(server::start).isInstanceOf(StartupException.class)
                .hasMessageContaining("JMX password file " + passwords + " can be read or changed by other users")
                .hasMessageContaining("chmod 600 " + passwords);
    }

    @Test
    void shouldLetMonitorReadAndOnlyControlStopARouteWithThePasswordAndAccessFiles() throws Exception {
        Path passwords = Files.createFile(dir.resolve("jmx.password"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(passwords, "monitor " + MONITOR_PASSWORD + "\ncontrol " + CONTROL_PASSWORD + "\n");
        Path access = Files.writeString(dir.resolve("jmx.access"), "monitor readonly\ncontrol readwrite\n");
        int port = TestServices.freePort();
        assertMonitorReadsAndControlActs(port, new JmxServer("127.0.0.1", port, passwords.toString(), access.toString()));
    }

    @Test
    void shouldLetMonitorReadAndOnlyControlStopARouteWithTheConfiguredUsers() throws Exception {
        int port = TestServices.freePort();
        Set<Path> before = usersDirectories();
        JmxServer server = JmxServer.fromConfig(config(port, Map.of("jmx.enabled", "true",
                "jmx.monitor-password", MONITOR_PASSWORD, "jmx.control-password", CONTROL_PASSWORD)));
        assertMonitorReadsAndControlActs(port, server);
        assertThat(usersDirectories()).as("the users' files are removed at stop").isEqualTo(before);
    }

    @Test
    void shouldWriteTheUsersFilesForTheOwnerOnly() throws IOException {
        JmxUsers users = JmxUsers.fromConfig(config(0, Map.of("jmx.monitor-password", MONITOR_PASSWORD,
                "jmx.control-password", CONTROL_PASSWORD)));
        Path written = users.write();
        try {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(written))).isEqualTo("rwx------");
            Path passwords = written.resolve(JmxUsers.PASSWORD_FILE);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(passwords))).isEqualTo("rw-------");
            assertThat(Files.readAllLines(passwords)).containsExactly("monitor " + MONITOR_PASSWORD, "control " + CONTROL_PASSWORD);
            assertThat(Files.readAllLines(written.resolve(JmxUsers.ACCESS_FILE))).containsExactly("monitor readonly", "control readwrite");
        } finally {
            JmxUsers.remove(written);
        }
        assertThat(written).doesNotExist();
    }

    @Test
    void shouldRefuseOneUserAloneOrAPasswordWithABlank() {
        assertThatThrownBy(() -> JmxUsers.fromConfig(config(0, Map.of("jmx.monitor-password", MONITOR_PASSWORD))))
                .isInstanceOf(StartupException.class).hasMessageStartingWith("Only JMX_MONITOR_PASSWORD is set")
                .hasMessageContaining("JMX_CONTROL_PASSWORD");
        assertThatThrownBy(() -> JmxUsers.fromConfig(config(0, Map.of("jmx.monitor-password", MONITOR_PASSWORD,
                "jmx.control-password", "two words")))).isInstanceOf(StartupException.class)
                .hasMessageStartingWith("JMX_CONTROL_PASSWORD contains a space");
        assertThat(JmxUsers.fromConfig(config(0, Map.of()))).as("no users configured").isNull();
    }

    /**
     * A route's MBean over the server: monitor reads its state and may not stop it, control stops it, a wrong password
     * and no credentials are refused.
     */
    private static void assertMonitorReadsAndControlActs(int port, JmxServer server) throws Exception {
        DefaultCamelContext camel = ProbeContext.withRoute("jmx-roles-test", "jmx-roles-probe");
        camel.start();
        server.start();
        try {
            ObjectName route = new ObjectName("org.apache.camel:context=jmx-roles-test,type=routes,name=\"jmx-roles-probe\"");
            try (JMXConnector monitor = JmxServer.connect(config(port, Map.of("jmx.user", "monitor", "jmx.password", MONITOR_PASSWORD)))) {
                MBeanServerConnection mbeans = monitor.getMBeanServerConnection();
                assertThat(mbeans.getAttribute(route, "State")).isEqualTo("Started");
                assertThatThrownBy(() -> mbeans.invoke(route, "stop", null, null)).isInstanceOf(SecurityException.class);
                assertThat(mbeans.getAttribute(route, "State")).isEqualTo("Started");
            }
            try (JMXConnector control = JmxServer.connect(config(port, Map.of("jmx.user", "control", "jmx.password", CONTROL_PASSWORD)))) {
                control.getMBeanServerConnection().invoke(route, "stop", null, null);
                assertThat(control.getMBeanServerConnection().getAttribute(route, "State")).isEqualTo("Stopped");
            }
            assertThatThrownBy(() -> JmxServer.connect(config(port, Map.of("jmx.user", "control", "jmx.password", MONITOR_PASSWORD))).close())
                    .isInstanceOf(SecurityException.class);
            assertThatThrownBy(() -> JmxServer.connect(config(port, Map.of())).close()).isInstanceOf(SecurityException.class);
        } finally {
            server.stop();
            camel.stop();
        }
    }

    private static Function<String, String> config(int port, Map<String, String> settings) {
        Map<String, String> config = new HashMap<>(Map.of("jmx.host", "127.0.0.1", "jmx.port", String.valueOf(port)));
        config.putAll(settings);
        return key -> config.getOrDefault(key, "");
    }

    private static Set<Path> usersDirectories() throws IOException {
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return files.filter(p -> p.getFileName().toString().startsWith("cdc-pipeline-jmx")).collect(Collectors.toSet());
        }
    }

    /** An address of this machine's that is not loopback (a LAN address), or 0.0.0.0 when it has none. */
    private static String nonLoopbackAddress() throws IOException {
        return Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                .flatMap(i -> Collections.list(i.getInetAddresses()).stream())
                .filter(a -> !a.isLoopbackAddress() && a instanceof Inet4Address)
                .map(InetAddress::getHostAddress).findFirst().orElse("0.0.0.0");
    }
}
