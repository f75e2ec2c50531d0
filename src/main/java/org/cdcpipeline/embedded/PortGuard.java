package org.cdcpipeline.embedded;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

import org.cdcpipeline.StartupException;

/** Fails fast, with the setting to change, when a port a server of the pipeline needs is already taken. */
public final class PortGuard {

    private PortGuard() {
    }

    static void requireFree(int port, String service, String portVariable) {
        requireFree(InetAddress.getLoopbackAddress(), port, "the embedded " + service, portVariable);
    }

    /** @param server what needs the port, as the message names it ("the dashboard") */
    public static void requireFree(InetAddress address, int port, String server, String portVariable) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(address, port));
        } catch (IOException e) {
            throw new StartupException("Port " + port + " for " + server + " is already in use on "
                    + address.getHostAddress() + ": set " + portVariable + " to a free port, or stop the program that "
                    + "holds it.");
        }
    }
}
