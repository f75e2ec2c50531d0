package org.cdcpipeline.management;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.rmi.NoSuchObjectException;
import java.rmi.registry.LocateRegistry;
import java.rmi.registry.Registry;
import java.rmi.server.RMIServerSocketFactory;
import java.rmi.server.UnicastRemoteObject;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXConnectorServer;
import javax.management.remote.JMXConnectorServerFactory;
import javax.management.remote.JMXServiceURL;
import javax.management.remote.rmi.RMIConnectorServer;

import org.apache.camel.support.service.ServiceSupport;
import org.apache.camel.util.ObjectHelper;
import org.cdcpipeline.OwnerOnly;
import org.cdcpipeline.StartupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Remote JMX on the platform MBean server (where Camel registers its route MBeans): the RMI registry and the connector
 * share one port and listen on jmx.host only, which the JVM's own com.sun.management.jmxremote flags cannot do.
 * Authentication uses the standard JMX password and access files: the ones jmx.password-file and jmx.access-file name,
 * or those written from jmx.monitor-password and jmx.control-password ({@link JmxUsers}). Without either, JMX listens
 * on loopback only: whoever reaches the port can stop routes and send messages to any endpoint.
 */
public final class JmxServer extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(JmxServer.class);
    private static final String PASSWORD_FILE = "jmx.remote.x.password.file";
    private static final String ACCESS_FILE = "jmx.remote.x.access.file";

    private final String host;
    private final int port;
    private final Access access;
    private Registry registry;
    private Path usersDir;
    private JMXConnectorServer connector;

    /** Who may connect: the users the pipeline writes files for, else password and access files of one's own. */
    private record Access(JmxUsers users, String passwordFile, String accessFile) {
    }

    public JmxServer(String host, int port, String passwordFile, String accessFile) {
        this(host, port, new Access(null, passwordFile, accessFile));
    }

    private JmxServer(String host, int port, Access access) {
        this.host = host;
        this.port = port;
        this.access = access;
    }

    /** The server the jmx.* keys describe; null when jmx.enabled is false. */
    public static JmxServer fromConfig(Function<String, String> config) {
        if (!Boolean.parseBoolean(config.apply("jmx.enabled"))) {
            return null;
        }
        return new JmxServer(config.apply("jmx.host"), Integer.parseInt(config.apply("jmx.port")), new Access(
                JmxUsers.fromConfig(config), config.apply("jmx.password-file"), config.apply("jmx.access-file")));
    }

    /** The URL jconsole, jmxterm and {@link #connect} use. */
    public static String serviceUrl(String host, int port) {
        return "service:jmx:rmi://" + host + ":" + port + "/jndi/rmi://" + host + ":" + port + "/jmxrmi";
    }

    /**
     * A client connection for the project's own tools, with jmx.user and jmx.password when set, else as the read-only
     * monitor user when jmx.monitor-password is set.
     */
    public static JMXConnector connect(Function<String, String> config) throws IOException {
        Map<String, Object> env = new HashMap<>();
        String user = config.apply("jmx.user");
        if (!user.isEmpty()) {
            env.put(JMXConnector.CREDENTIALS, new String[] {user, config.apply("jmx.password")});
        } else if (!config.apply("jmx.monitor-password").isEmpty()) {
            env.put(JMXConnector.CREDENTIALS, new String[] {JmxUsers.MONITOR, config.apply("jmx.monitor-password")});
        }
        return JMXConnectorFactory.connect(new JMXServiceURL(
                serviceUrl(config.apply("jmx.host"), Integer.parseInt(config.apply("jmx.port")))), env);
    }

    @Override
    protected void doStart() throws Exception {
        InetAddress address = address();
        Map<String, Object> env = new HashMap<>();
        authentication(address, env);
        if (System.getProperty("java.rmi.server.hostname") == null && !address.isAnyLocalAddress()) {
            // the stubs a client receives name this host; by default they would name the machine's first address,
            // where nothing listens
            System.setProperty("java.rmi.server.hostname", host);
        }
        // one factory instance for both exports: RMI then shares one listening socket between them
        RMIServerSocketFactory sockets = new BoundServerSockets(address);
        env.put(RMIConnectorServer.RMI_SERVER_SOCKET_FACTORY_ATTRIBUTE, sockets);
        try {
            registry = LocateRegistry.createRegistry(port, null, sockets);
            connector = JMXConnectorServerFactory.newJMXConnectorServer(new JMXServiceURL(serviceUrl(host, port)), env,
                    ManagementFactory.getPlatformMBeanServer());
            connector.start();
        } catch (IOException e) {
            doStop();
            if (ObjectHelper.getException(BindException.class, e) != null) {
                throw new StartupException("JMX port " + port + " on " + host + " is in use: set JMX_PORT to a free "
                        + "port, or JMX_ENABLED=false", e);
            }
            throw new StartupException("Cannot start JMX on " + host + ":" + port + " (" + e.getMessage()
                    + "): check JMX_HOST, JMX_PORT, JMX_PASSWORD_FILE and JMX_ACCESS_FILE", e);
        }
        LOG.info("JMX: {}{}", serviceUrl(host, port), env.containsKey(PASSWORD_FILE)
                ? (access.users() != null ? " (users " + JmxUsers.MONITOR + " and " + JmxUsers.CONTROL + ")" : "")
                : " (no authentication: loopback only)");
    }

    /**
     * The password and access files the connector checks clients against. Without any, a non-loopback address is
     * refused; a password file other users can read is refused as the JDK's own JMX agent refuses it.
     */
    private void authentication(InetAddress address, Map<String, Object> env) throws IOException {
        if (access.users() != null) {
            if (!access.passwordFile().isEmpty()) {
                throw new StartupException("JMX users are set twice: set JMX_MONITOR_PASSWORD and JMX_CONTROL_PASSWORD, "
                        + "or JMX_PASSWORD_FILE and JMX_ACCESS_FILE, not both");
            }
            try {
                usersDir = access.users().write();
            } catch (IOException e) {
                throw new StartupException("Cannot write the JMX users' password and access files into "
                        + System.getProperty("java.io.tmpdir") + " (" + e.getMessage() + "): make it writable, or set "
                        + "-Djava.io.tmpdir to a directory that is", e);
            }
            env.put(PASSWORD_FILE, usersDir.resolve(JmxUsers.PASSWORD_FILE).toString());
            env.put(ACCESS_FILE, usersDir.resolve(JmxUsers.ACCESS_FILE).toString());
        } else if (!access.passwordFile().isEmpty()) {
            requireOwnerOnly(Path.of(access.passwordFile()));
            env.put(PASSWORD_FILE, access.passwordFile());
            if (!access.accessFile().isEmpty()) {
                env.put(ACCESS_FILE, access.accessFile());
            }
        } else if (!address.isLoopbackAddress()) {
            throw new StartupException("JMX on " + host + " (JMX_HOST) can be reached from other machines, and no JMX "
                    + "user is configured, so anyone reaching port " + port + " could control the pipeline: set "
                    + "JMX_MONITOR_PASSWORD and JMX_CONTROL_PASSWORD (a read-only and a control user), or "
                    + "JMX_PASSWORD_FILE and JMX_ACCESS_FILE (standard JMX password and access files), or JMX_HOST=127.0.0.1");
        }
    }

    private static void requireOwnerOnly(Path file) throws IOException {
        if (OwnerOnly.othersMayAccess(file)) {
            throw new StartupException("JMX password file " + file + " can be read or changed by other users: chmod 600 "
                    + file + " (JMX_PASSWORD_FILE; the JDK's rule for JMX password files)");
        }
    }

    private InetAddress address() {
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new StartupException("JMX host '" + host + "' is unknown: set JMX_HOST to an address of this machine "
                    + "(127.0.0.1 by default)", e);
        }
    }

    @Override
    protected void doStop() throws Exception {
        if (connector != null) {
            connector.stop();
            connector = null;
        }
        if (registry != null) {
            try {
                UnicastRemoteObject.unexportObject(registry, true);
            } catch (NoSuchObjectException e) {
                // not exported: nothing to release
            }
            registry = null;
        }
        if (usersDir != null) {
            JmxUsers.remove(usersDir);
            usersDir = null;
        }
    }

    /** Server sockets on one address only; equal for equal addresses, as RMI's socket sharing expects. */
    private record BoundServerSockets(InetAddress address) implements RMIServerSocketFactory {
        @Override
        public ServerSocket createServerSocket(int port) throws IOException {
            return new ServerSocket(port, 50, address);
        }
    }
}
