package org.cdcpipeline.embedded;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

import org.cdcpipeline.StartupException;

/** Fails fast, with the setting to change, when a port an embedded server needs is already taken. */
final class PortGuard {

    private PortGuard() {
    }

    static void requireFree(int port, String service, String portVariable) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        } catch (IOException e) {
            throw new StartupException("Port " + port + " for the embedded " + service + " is already in use on 127.0.0.1: "
                    + "set " + portVariable + " to a free port, or stop the program that holds it.");
        }
    }
}
