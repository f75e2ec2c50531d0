import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Run by `mvn -Pcontainers` before anything is built (java DockerPing.java): asks the Docker engine Testcontainers
 * would use (DOCKER_HOST, docker.host in ~/.testcontainers.properties, else the default socket) for /_ping, and stops
 * the build with one line when none answers.
 */
public class DockerPing {

    public static void main(String[] args) throws Exception {
        String host = dockerHost();
        try {
            String reply = CompletableFuture.supplyAsync(() -> ping(host)).get(10, TimeUnit.SECONDS);
            if (!reply.startsWith("HTTP/1.") || !reply.contains(" 200 ")) {
                fail(host, "it answered " + reply.lines().findFirst().orElse("nothing"));
            }
            System.out.println("Docker engine at " + host + " answers: the tests run against containers");
        } catch (Exception e) {
            Throwable cause = e;
            while (cause.getCause() != null) {
                cause = cause.getCause();
            }
            fail(host, cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName());
        }
    }

    private static void fail(String host, String reason) {
        System.err.println("-Pcontainers needs a Docker engine: none answers at " + host + " (" + reason + "); start "
                + "Docker or set DOCKER_HOST, or run without -Pcontainers to use the embedded services");
        System.exit(1);
    }

    private static String dockerHost() throws IOException {
        String env = System.getenv("DOCKER_HOST");
        if (env != null && !env.isBlank()) {
            return env;
        }
        Path settings = Path.of(System.getProperty("user.home"), ".testcontainers.properties");
        if (Files.isRegularFile(settings)) {
            Properties p = new Properties();
            try (var in = Files.newInputStream(settings)) {
                p.load(in);
            }
            if (p.getProperty("docker.host") != null) {
                return p.getProperty("docker.host");
            }
        }
        return "unix:///var/run/docker.sock";
    }

    private static String ping(String host) {
        URI uri = URI.create(host);
        try (SocketChannel channel = "unix".equals(uri.getScheme())
                ? SocketChannel.open(UnixDomainSocketAddress.of(uri.getPath()))
                : SocketChannel.open(new InetSocketAddress(uri.getHost(), uri.getPort()))) {
            channel.write(ByteBuffer.wrap("GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer reply = ByteBuffer.allocate(512);
            channel.read(reply);
            return new String(reply.array(), 0, reply.position(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
