package org.cdcpipeline;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The proxy in front of a tiny HTTP server: it holds back uploads only, and refuses connections while cut. */
class TcpProxyTest {

    private ServerSocket server;
    private TcpProxy proxy;

    @BeforeEach
    void start() throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread t = new Thread(this::answerEveryRequest, "tiny-http");
        t.setDaemon(true);
        t.start();
        proxy = new TcpProxy(server.getLocalPort());
        proxy.up();
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        server.close();
    }

    /** Answers each request (a request line and an empty line, no body) with an empty 200, keeping the connection. */
    private void answerEveryRequest() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread t = new Thread(() -> {
                    try (s; BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))) {
                        OutputStream out = s.getOutputStream();
                        String line;
                        while ((line = in.readLine()) != null) {
                            if (line.isEmpty()) {
                                out.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                                out.flush();
                            }
                        }
                    } catch (IOException e) {
                        // client gone
                    }
                });
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                // closed
            }
        }
    }

    @Test
    void shouldHoldBackUploadsButNotOtherRequests() throws Exception {
        proxy.delayUploads(Duration.ofMillis(1500));
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
            BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII));
            assertThat(roundTrip(client, in, "GET /bucket?list-type=2")).isLessThan(Duration.ofMillis(1000));
            assertThat(roundTrip(client, in, "PUT /bucket/object")).isGreaterThanOrEqualTo(Duration.ofMillis(1500));
            proxy.delayUploads(Duration.ZERO);
            assertThat(roundTrip(client, in, "PUT /bucket/object")).isLessThan(Duration.ofMillis(1000));
        }
    }

    @Test
    void shouldRefuseConnectionsWhileCutAndForwardAgainWhenRestored() throws Exception {
        // several cycles: refusing must hold as soon as down() returns, not once its listener thread has woken
        for (int cycle = 0; cycle < 20; cycle++) {
            proxy.down();
            assertThat(listening(proxy.port())).as("something listens on the proxy's port while it is down").isFalse();
            proxy.up();
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
                BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII));
                assertThat(roundTrip(client, in, "GET /bucket")).isLessThan(Duration.ofMillis(1000));
            }
        }
    }

    /**
     * Whether a connection to the port reaches a listener. A connection to a free loopback port can, rarely, be made to
     * itself (TCP simultaneous open: the kernel picks the free port as the client's own), which is no listener.
     */
    private static boolean listening(int port) throws IOException {
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return client.getLocalPort() != port;
        } catch (ConnectException refused) {
            return false;
        }
    }

    /** Sends one request and reads its response head; returns how long that took. */
    private static Duration roundTrip(Socket client, BufferedReader in, String requestLine) throws IOException {
        long start = System.nanoTime();
        client.getOutputStream().write((requestLine + " HTTP/1.1\r\nHost: s3\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        client.getOutputStream().flush();
        assertThat(in.readLine()).isEqualTo("HTTP/1.1 200 OK");
        while (!in.readLine().isEmpty()) {
            // headers
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
