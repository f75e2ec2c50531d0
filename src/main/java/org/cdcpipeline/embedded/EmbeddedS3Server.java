package org.cdcpipeline.embedded;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.cdcpipeline.StartupException;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;

/**
 * A real S3 API server (s3proxy) storing objects as files under {@code <data-dir>/s3}, with AWS v2/v4 signature
 * authentication, so clients talk to it exactly as to MinIO or AWS S3.
 */
final class EmbeddedS3Server implements AutoCloseable {

    private final S3Proxy proxy;

    private EmbeddedS3Server(S3Proxy proxy) {
        this.proxy = proxy;
    }

    static EmbeddedS3Server start(Path dataDir, int port, String bucket, String accessKey, String secretKey) {
        PortGuard.requireFree(port, "S3 server", "S3_EMBEDDED_PORT");
        Path storage = dataDir.resolve("s3").toAbsolutePath();
        try {
            Files.createDirectories(storage);
            BlobStore blobStore = new FilesystemNio2BlobStore(storage.toString());
            if (!blobStore.containerExists(bucket)) {
                blobStore.createContainer(bucket);
            }
            S3Proxy proxy = S3Proxy.builder()
                    .blobStore(blobStore)
                    .endpoint(URI.create("http://127.0.0.1:" + port))
                    .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
                    .build();
            proxy.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!"STARTED".equals(proxy.getState())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("still " + proxy.getState() + " after 30 s");
                }
                Thread.sleep(20);
            }
            return new EmbeddedS3Server(proxy);
        } catch (StartupException e) {
            throw e;
        } catch (Exception e) {
            throw new StartupException("Embedded S3 server did not start (" + e.getMessage() + "): check that " + storage
                    + " is writable, or set S3_ENDPOINT to use an existing S3/MinIO.", e);
        }
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
    }
}
