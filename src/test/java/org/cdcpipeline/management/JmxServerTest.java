package org.cdcpipeline.management;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import javax.management.ObjectName;
import javax.management.remote.JMXConnector;

import org.cdcpipeline.StartupException;
import org.cdcpipeline.TestServices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Remote JMX as operators reach it: one port on loopback, standard password and access files. */
class JmxServerTest {

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
    void shouldAcceptOnlyTheUsersOfThePasswordFile() throws Exception {
        Path passwords = Files.writeString(dir.resolve("jmx.password"), "operator secret\n");
        Path access = Files.writeString(dir.resolve("jmx.access"), "operator readwrite\n");
        int port = TestServices.freePort();
        JmxServer server = new JmxServer("127.0.0.1", port, passwords.toString(), access.toString());
        server.start();
        try {
            Map<String, String> anonymous = Map.of("jmx.host", "127.0.0.1", "jmx.port", String.valueOf(port));
            assertThatThrownBy(() -> JmxServer.connect(key -> anonymous.getOrDefault(key, "")).close())
                    .isInstanceOf(SecurityException.class);
            Map<String, String> wrong = Map.of("jmx.host", "127.0.0.1", "jmx.port", String.valueOf(port),
                    "jmx.user", "operator", "jmx.password", "guess");
            assertThatThrownBy(() -> JmxServer.connect(key -> wrong.getOrDefault(key, "")).close())
                    .isInstanceOf(SecurityException.class);
            Map<String, String> operator = Map.of("jmx.host", "127.0.0.1", "jmx.port", String.valueOf(port),
                    "jmx.user", "operator", "jmx.password", "secret");
            try (JMXConnector connector = JmxServer.connect(key -> operator.getOrDefault(key, ""))) {
                assertThat(connector.getMBeanServerConnection().isRegistered(new ObjectName("java.lang:type=Runtime")))
                        .isTrue();
            }
        } finally {
            server.stop();
        }
    }
}
