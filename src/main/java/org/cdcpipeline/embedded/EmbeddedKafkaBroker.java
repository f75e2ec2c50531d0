package org.cdcpipeline.embedded;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.cdcpipeline.StartupException;

/**
 * A real single-node Kafka broker in KRaft mode (broker and controller in one process, no ZooKeeper), with its log under
 * {@code <data-dir>/kafka}. The log directory is formatted once; later starts reuse it, so topics and committed
 * offsets survive restarts.
 */
final class EmbeddedKafkaBroker implements AutoCloseable {

    private final KafkaRaftServer server;

    private EmbeddedKafkaBroker(KafkaRaftServer server) {
        this.server = server;
    }

    static EmbeddedKafkaBroker start(Path dataDir, int port, int controllerPort) {
        PortGuard.requireFree(port, "Kafka broker", "KAFKA_EMBEDDED_PORT");
        PortGuard.requireFree(controllerPort, "Kafka controller", "KAFKA_EMBEDDED_CONTROLLER_PORT");
        Path logDir = dataDir.resolve("kafka").toAbsolutePath();
        Properties config = brokerConfig(logDir, port, controllerPort);
        try {
            if (!Files.exists(logDir.resolve("meta.properties"))) {
                format(logDir);
            }
            KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(config), Time.SYSTEM);
            server.startup();
            return new EmbeddedKafkaBroker(server);
        } catch (Exception e) {
            throw new StartupException("Embedded Kafka did not start (" + e.getMessage() + "): to start from scratch run "
                    + "with --wipe-data (deletes " + logDir + ").", e);
        }
    }

    private static Properties brokerConfig(Path logDir, int port, int controllerPort) {
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.setProperty("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("log.dirs", logDir.toString());
        p.setProperty("num.partitions", "1");
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("offsets.topic.num.partitions", "5");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        p.setProperty("auto.create.topics.enable", "true");
        // the log cleaner (for the compacted offsets topics) keeps its dedupe buffer on the heap, 128 MiB by default: a
        // fifth of the pipeline's heap, held for good; the embedded broker's compacted topics are small
        p.setProperty("log.cleaner.dedupe.buffer.size", String.valueOf(16 * 1024 * 1024));
        return p;
    }

    private static void format(Path logDir) throws Exception {
        Files.createDirectories(logDir);
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        new Formatter()
                .setPrintStream(new PrintStream(output, true, StandardCharsets.UTF_8))
                .setClusterId(Uuid.randomUuid().toString())
                .setNodeId(1)
                .setControllerListenerName("CONTROLLER")
                .setMetadataLogDirectory(logDir.toString())
                .setDirectories(java.util.List.of(logDir.toString()))
                .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                .run();
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }
}
