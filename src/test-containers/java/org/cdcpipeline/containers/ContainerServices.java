package org.cdcpipeline.containers;

import java.util.HashMap;
import java.util.Map;

import org.cdcpipeline.archive.S3ArchiveObjects;
import org.testcontainers.containers.PostgreSQLContainer;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.containers.MinIOContainer;
import org.testcontainers.lifecycle.Startables;
import org.testcontainers.utility.DockerImageName;

/**
 * The shared test servers as containers (mvn -Pcontainers): the images docker-compose.yml runs, PostgreSQL with the
 * settings of postgresql.conf that capture needs. TestServices calls {@link #start()} instead of starting the embedded
 * servers; Testcontainers removes the containers when the test JVM ends.
 */
public final class ContainerServices {

    private static final String PASSWORD = "test";
    private static final String BUCKET = "processed-data";

    private ContainerServices() {
    }

    /** Starts PostgreSQL, Kafka and MinIO and returns the properties that point a pipeline at them. */
    public static Map<String, String> start() {
        PostgreSQLContainer<?> postgres = new PostgreSQLContainer<>(DockerImageName.parse("postgres:17"))
                .withDatabaseName("postgres").withUsername("postgres").withPassword(PASSWORD)
                .withCommand("postgres", "-c", "wal_level=logical", "-c", "max_replication_slots=20",
                        "-c", "max_wal_senders=20", "-c", "synchronous_commit=on", "-c", "timezone=UTC");
        KafkaContainer kafka = new KafkaContainer(DockerImageName.parse("apache/kafka:4.3.1"));
        MinIOContainer minio = new MinIOContainer(DockerImageName.parse("minio/minio:RELEASE.2025-04-22T22-12-26Z"))
                .withUserName("test-access").withPassword("test-secret");
        Startables.deepStart(postgres, kafka, minio).join();

        Map<String, String> endpoints = new HashMap<>();
        endpoints.put("postgres.host", postgres.getHost());
        endpoints.put("postgres.port", String.valueOf(postgres.getMappedPort(PostgreSQLContainer.POSTGRESQL_PORT)));
        endpoints.put("postgres.password", PASSWORD);
        endpoints.put("kafka.bootstrap-servers", kafka.getBootstrapServers());
        endpoints.put("s3.endpoint", minio.getS3URL());
        endpoints.put("s3.access-key", minio.getUserName());
        endpoints.put("s3.secret-key", minio.getPassword());
        endpoints.put("s3.bucket", BUCKET);
        try (var s3 = S3ArchiveObjects.client(minio.getS3URL(), "us-east-1", minio.getUserName(), minio.getPassword())) {
            s3.createBucket(b -> b.bucket(BUCKET));
        }
        return endpoints;
    }
}
