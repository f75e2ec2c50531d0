package org.cdcpipeline.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import org.cdcpipeline.TestServices;

/**
 * The only way the pipeline reaches the S3 server: a loopback TCP forwarder that can be cut (new connections refused,
 * open ones dropped) and slowed down (every upload held back before it reaches the server, so the archive's batches
 * queue up behind it).
 */
final class S3FaultProxy implements AutoCloseable {

    private static final byte[] UPLOAD = "PUT ".getBytes(StandardCharsets.US_ASCII);

    private final int port = TestServices.freePort();
    private final int targetPort;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private volatile ServerSocket server;
    private volatile Duration uploadDelay = Duration.ZERO;

    S3FaultProxy(int targetPort) {
        this.targetPort = targetPort;
    }

    int port() {
        return port;
    }

    synchronized void up() throws IOException {
        if (server != null) {
            return;
        }
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        server = s;
        Thread acceptor = new Thread(() -> accept(s), "s3-fault-proxy-" + port);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** S3 unreachable: connections refused, open ones dropped mid-request. */
    synchronized void down() throws IOException {
        if (server != null) {
            server.close();
            server = null;
        }
        for (Socket socket : open) {
            socket.close();
        }
        open.clear();
    }

    /** Every request that starts an upload (PUT) waits this long before the server sees it; zero: none waits. */
    void delayUploads(Duration delay) {
        uploadDelay = delay;
    }

    private void accept(ServerSocket s) {
        while (!s.isClosed()) {
            try {
                Socket client = s.accept();
                Socket target = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                open.add(client);
                open.add(target);
                // HTTP/1.1 alternates: a request goes up, its response comes back, then the next request may start
                AtomicBoolean requestStarts = new AtomicBoolean(true);
                pipe(client, target, requestStarts, true);
                pipe(target, client, requestStarts, false);
            } catch (IOException e) {
                // closed by down()
            }
        }
    }

    private void pipe(Socket from, Socket to, AtomicBoolean requestStarts, boolean upstream) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[65536];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    if (upstream && requestStarts.getAndSet(false)) {
                        holdIfUpload(buffer, n);
                    } else if (!upstream) {
                        requestStarts.set(true);
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // connection dropped
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                open.remove(from);
                open.remove(to);
            }
        }, "s3-fault-proxy-pipe");
        t.setDaemon(true);
        t.start();
    }

    private void holdIfUpload(byte[] start, int length) {
        Duration delay = uploadDelay;
        if (delay.isZero() || length < UPLOAD.length) {
            return;
        }
        for (int i = 0; i < UPLOAD.length; i++) {
            if (start[i] != UPLOAD[i]) {
                return;
            }
        }
        try {
            Thread.sleep(delay.toMillis()); // the fault itself: a slow S3
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        down();
    }
}
