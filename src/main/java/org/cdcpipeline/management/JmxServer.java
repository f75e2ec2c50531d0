package org.cdcpipeline.management;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
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
import org.cdcpipeline.StartupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Remote JMX on the platform MBean server (where Camel registers its route MBeans): the RMI registry and the connector
 * share one port and listen on jmx.host only, which the JVM's own com.sun.management.jmxremote flags cannot do.
 * Authentication uses the standard JMX password and access files when jmx.password-file is set.
 */
public final class JmxServer extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(JmxServer.class);

    private final String host;
    private final int port;
    private final String passwordFile;
    private final String accessFile;
    private Registry registry;
    private JMXConnectorServer connector;

    public JmxServer(String host, int port, String passwordFile, String accessFile) {
        this.host = host;
        this.port = port;
        this.passwordFile = passwordFile;
        this.accessFile = accessFile;
    }

    /** The server the jmx.* keys describe; null when jmx.enabled is false. */
    public static JmxServer fromConfig(Function<String, String> config) {
        if (!Boolean.parseBoolean(config.apply("jmx.enabled"))) {
            return null;
        }
        return new JmxServer(config.apply("jmx.host"), Integer.parseInt(config.apply("jmx.port")),
                config.apply("jmx.password-file"), config.apply("jmx.access-file"));
    }

    /** The URL jconsole, jmxterm and {@link #connect} use. */
    public static String serviceUrl(String host, int port) {
        return "service:jmx:rmi://" + host + ":" + port + "/jndi/rmi://" + host + ":" + port + "/jmxrmi";
    }

    /** A client connection for the project's own tools, with jmx.user and jmx.password when set. */
    public static JMXConnector connect(Function<String, String> config) throws IOException {
        Map<String, Object> env = new HashMap<>();
        String user = config.apply("jmx.user");
        if (!user.isEmpty()) {
            env.put(JMXConnector.CREDENTIALS, new String[] {user, config.apply("jmx.password")});
        }
        return JMXConnectorFactory.connect(new JMXServiceURL(
                serviceUrl(config.apply("jmx.host"), Integer.parseInt(config.apply("jmx.port")))), env);
    }

    @Override
    protected void doStart() throws Exception {
        InetAddress address = address();
        if (System.getProperty("java.rmi.server.hostname") == null && !address.isAnyLocalAddress()) {
            // the stubs a client receives name this host; by default they would name the machine's first address,
            // where nothing listens
            System.setProperty("java.rmi.server.hostname", host);
        }
        // one factory instance for both exports: RMI then shares one listening socket between them
        RMIServerSocketFactory sockets = new BoundServerSockets(address);
        Map<String, Object> env = new HashMap<>();
        env.put(RMIConnectorServer.RMI_SERVER_SOCKET_FACTORY_ATTRIBUTE, sockets);
        if (!passwordFile.isEmpty()) {
            env.put("jmx.remote.x.password.file", passwordFile);
            if (!accessFile.isEmpty()) {
                env.put("jmx.remote.x.access.file", accessFile);
            }
        }
        try {
            registry = LocateRegistry.createRegistry(port, null, sockets);
            connector = JMXConnectorServerFactory.newJMXConnectorServer(new JMXServiceURL(serviceUrl(host, port)), env,
                    ManagementFactory.getPlatformMBeanServer());
            connector.start();
        } catch (IOException e) {
            doStop();
            if (causedBy(e, BindException.class)) {
                throw new StartupException("JMX port " + port + " on " + host + " is in use: set JMX_PORT to a free "
                        + "port, or JMX_ENABLED=false", e);
            }
            throw new StartupException("Cannot start JMX on " + host + ":" + port + " (" + e.getMessage()
                    + "): check JMX_HOST, JMX_PORT, JMX_PASSWORD_FILE and JMX_ACCESS_FILE", e);
        }
        LOG.info("JMX: {}{}", serviceUrl(host, port), passwordFile.isEmpty() ? " (no authentication)" : "");
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
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    /** Server sockets on one address only; equal for equal addresses, as RMI's socket sharing expects. */
    private record BoundServerSockets(InetAddress address) implements RMIServerSocketFactory {
        @Override
        public ServerSocket createServerSocket(int port) throws IOException {
            return new ServerSocket(port, 50, address);
        }
    }
}
