package org.cdcpipeline;

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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.common.utils.ThreadUtils;

/**
 * A loopback TCP forwarder a test puts between the pipeline and a real server, to make the server unreachable
 * (connections refused, open ones dropped), hang (connections kept open, nothing forwarded) or, for an HTTP server
 * such as S3, slow to take uploads, without stopping the server the other tests share.
 */
public final class TcpProxy implements AutoCloseable {

    private static final byte[] UPLOAD = "PUT ".getBytes(StandardCharsets.US_ASCII);

    private final int port = TestServices.freePort();
    private final int targetPort;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private volatile ServerSocket server;
    private Thread acceptor;
    private volatile Duration uploadDelay = Duration.ZERO;
    private final ScheduledExecutorService delays =
            Executors.newSingleThreadScheduledExecutor(ThreadUtils.createThreadFactory("tcp-proxy-delay", true));
    /** Open while bytes flow; a stall replaces it with a closed one that resume() opens. */
    private volatile CountDownLatch flowing = new CountDownLatch(0);

    public TcpProxy(int targetPort) {
        this.targetPort = targetPort;
    }

    public int port() {
        return port;
    }

    public synchronized void up() throws IOException {
        if (server != null) {
            return;
        }
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        server = s;
        acceptor = new Thread(() -> accept(s), "tcp-proxy-" + port);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** The server unreachable: connections refused, open ones dropped mid-request. */
    public synchronized void down() throws IOException {
        if (server != null) {
            server.close();
            server = null;
            awaitAcceptorGone();
        }
        for (Socket socket : open) {
            socket.close();
        }
        open.clear();
    }

    /**
     * A thread blocked in accept() keeps the listening socket alive in the kernel until it wakes, after close()
     * returned: until it is gone, a connection can still be accepted.
     */
    private void awaitAcceptorGone() throws IOException {
        try {
            acceptor.join(Duration.ofSeconds(10).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the proxy's listener closed", e);
        }
        if (acceptor.isAlive()) {
            throw new IOException("the proxy's listener on port " + port + " did not close within 10 s");
        }
    }

    /** Keeps every connection, open and new, but forwards nothing until {@link #resume()}: the server hangs. */
    public synchronized void stall() {
        if (flowing.getCount() == 0) {
            flowing = new CountDownLatch(1);
        }
    }

    /** Forwards again what was held back and what comes next. */
    public synchronized void resume() {
        flowing.countDown();
    }

    /**
     * HTTP only: every request that starts an upload (PUT) waits this long before the server sees it; zero: none
     * waits.
     */
    public void delayUploads(Duration delay) {
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
                    flowing.await();
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
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                open.remove(from);
                open.remove(to);
            }
        }, "tcp-proxy-pipe");
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
        // the fault itself, a slow server: the upload goes on once its delay has passed
        CountDownLatch held = new CountDownLatch(1);
        delays.schedule(held::countDown, delay.toMillis(), TimeUnit.MILLISECONDS);
        try {
            held.await();
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
        resume();
        down();
        delays.shutdownNow();
    }
}
