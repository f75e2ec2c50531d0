package org.cdcpipeline.doctor;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.cdcpipeline.TopicEnds;
import org.cdcpipeline.archive.ArchiveBatch;
import org.cdcpipeline.archive.ArchiveCoverage;
import org.cdcpipeline.archive.ChangeEventParser;
import org.cdcpipeline.archive.S3ArchiveObjects;
import org.cdcpipeline.cdc.CaptureTopics;
import org.cdcpipeline.cdc.CapturedTables;
import org.cdcpipeline.cdc.CapturedTables.TableId;

/**
 * Kafka reachable; one topic per captured table, with its end offset; the dead-letter topics empty; and the lag of
 * each consumer group reading the pipeline's topics (the aggregates keep their offsets with their state in
 * PostgreSQL, so theirs come from there).
 */
final class KafkaCheck {

    static final String NAME = "kafka";
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final long TIMEOUT_MS = TIMEOUT.toMillis();

    private KafkaCheck() {
    }

    static List<CheckResult> run(DoctorSettings settings) {
        String bootstrap = settings.get("kafka.bootstrap-servers");
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "cdc-pipeline-doctor");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(TIMEOUT_MS));
        p.put(AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG, "2000");
        p.put(AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, "3000");
        List<CheckResult> results = new ArrayList<>();
        Admin admin;
        try {
            admin = Admin.create(p);
        } catch (KafkaException e) {
            results.add(unreachable(settings, e));
            return results;
        }
        try {
            Collection<Node> nodes = admin.describeCluster().nodes().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            results.add(CheckResult.ok(NAME, "connected to " + bootstrap + " (" + nodes.size() + " broker"
                    + (nodes.size() == 1 ? ")" : "s)")));
        } catch (ExecutionException | TimeoutException e) {
            results.add(unreachable(settings, e));
            return results;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return results;
        }
        try {
            Set<String> topics = admin.listTopics().names().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            topics(admin, settings, topics, results);
            deadLetters(admin, settings, topics, results);
            consumerGroups(admin, settings, results);
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            results.add(CheckResult.fail(NAME, "Kafka at " + bootstrap + " stopped answering (" + reason(e) + ")",
                    "see the broker's log; run doctor again"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            admin.close(Duration.ofSeconds(2));
        }
        return results;
    }

    private static void topics(Admin admin, DoctorSettings settings, Set<String> topics, List<CheckResult> results)
            throws ExecutionException, InterruptedException, TimeoutException {
        if (!settings.flag("cdc.enabled")) {
            results.add(CheckResult.ok(NAME, "change capture is disabled (cdc.enabled=false): topics per table not checked"));
            return;
        }
        Map<String, Boolean> wanted = new TreeMap<>();
        try (Connection c = PostgresClient.connect(settings)) {
            TableId signal = TableId.parse(settings.get("cdc.signal-table"));
            for (TableId t : CapturedTables.wantedTables(c, settings.get("cdc.tables"), settings.get("cdc.signal-table"))) {
                if (!t.equals(signal)) {
                    wanted.put(settings.get("topic.prefix") + "." + t, CapturedTables.hasRows(c, t));
                }
            }
        } catch (SQLException e) {
            results.add(CheckResult.warn(NAME, "topics per captured table not checked: the captured tables are read "
                    + "from PostgreSQL, which did not answer (" + CheckResult.brief(e.getMessage()) + ")", "see doctor --component postgres"));
            return;
        }
        List<String> present = wanted.keySet().stream().filter(topics::contains).toList();
        Map<String, Long> ends = new TreeMap<>();
        Map<String, Integer> partitions = new TreeMap<>();
        TopicEnds.ofTopics(admin, present, TIMEOUT).forEach((tp, end) -> {
            ends.merge(tp.topic(), end, Long::sum);
            partitions.merge(tp.topic(), 1, Integer::sum);
        });
        int configured = Integer.parseInt(settings.get("cdc.topic-partitions"));
        for (Map.Entry<String, Boolean> topic : wanted.entrySet()) {
            String name = topic.getKey();
            String refusal = ends.containsKey(name) ? CaptureTopics.refusal(name, partitions.get(name), configured) : null;
            if (refusal != null) {
                results.add(CheckResult.fail(NAME, refusal, "see Partitions in docs/capture.md"));
            } else if (ends.containsKey(name)) {
                results.add(CheckResult.ok(NAME, "topic " + name + "  end offset " + ends.get(name) + ", "
                        + partitions.get(name) + " partition(s)"));
            } else if (topic.getValue()) {
                results.add(CheckResult.fail(NAME, "topic " + name + " missing: its consumers get UnknownTopicOrPartition,"
                                + " although the table holds rows, so capture has not published them",
                        "check that cdc-capture runs (doctor --component routes, and the pipeline log) and that the "
                                + "table matches cdc.tables; capture creates the topic with the table's first event"));
            } else {
                results.add(CheckResult.ok(NAME, "topic " + name + " not created yet: the table is empty, and capture "
                        + "creates the topic with its first change"));
            }
        }
    }

    /**
     * Dead letters are changes a stage could not carry: those of capture never reached their topic (FAIL), those of
     * the archive and the aggregates are missing from their output until replayed (WARN).
     */
    private static void deadLetters(Admin admin, DoctorSettings settings, Set<String> topics, List<CheckResult> results)
            throws ExecutionException, InterruptedException, TimeoutException {
        String capture = settings.get("cdc.dead-letter-topic");
        List<String> deadLetterTopics = List.of(capture, settings.get("archive.dead-letter-topic"),
                settings.get("aggregate.dead-letter-topic")).stream().filter(topics::contains).toList();
        for (Map.Entry<String, Long> topic : endOffsets(admin, deadLetterTopics).entrySet()) {
            if (topic.getValue() > 0) {
                String message = "dead-letter topic " + topic.getKey() + " holds " + topic.getValue()
                        + " records that could not be delivered";
                String fix = "read the error (and key, LSN, size) in each: kcat -b " + settings.get("kafka.bootstrap-servers")
                        + " -t " + topic.getKey() + " -C -e; fix the cause (for an event too large, raise "
                        + "KAFKA_MAX_MESSAGE_BYTES) and replay them";
                results.add(topic.getKey().equals(capture) ? CheckResult.fail(NAME, message, fix)
                        : CheckResult.warn(NAME, message, fix));
            }
        }
    }

    /** The consumer groups of the aggregates: aggregates-<table>, one per table (route template aggregate-topic). */
    private static final String AGGREGATES_GROUP = "aggregates-";

    /** Lag of every consumer group reading topics of topic.prefix (of every aggregate, for the aggregates' groups). */
    private static void consumerGroups(Admin admin, DoctorSettings settings, List<CheckResult> results)
            throws ExecutionException, InterruptedException, TimeoutException {
        String prefix = settings.get("topic.prefix") + ".";
        Collection<GroupListing> groups = admin.listGroups(ListGroupsOptions.forConsumerGroups()).all()
                .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        Map<String, GroupListing> byId = new TreeMap<>();
        groups.forEach(g -> byId.put(g.groupId(), g));
        for (GroupListing group : byId.values()) {
            Map<TopicPartition, Long> positions = new HashMap<>();
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group.groupId())
                    .partitionsToOffsetAndMetadata().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            committed.forEach((tp, o) -> {
                if (o != null) {
                    positions.put(tp, o.offset());
                }
            });
            String state = group.groupState().map(s -> s.toString()).orElse("unknown");
            if (positions.isEmpty() && group.groupId().startsWith(AGGREGATES_GROUP)) {
                // one table's consumer for all its aggregates: each has its own position, saved with its state
                String topic = settings.get("topic.prefix") + "." + settings.get("csv.schema") + "."
                        + group.groupId().substring(AGGREGATES_GROUP.length());
                String source = ", offsets from " + settings.get("aggregate.state-schema") + ".aggregate_offsets";
                for (Map.Entry<String, Map<TopicPartition, Long>> aggregate : aggregatePositions(settings, topic).entrySet()) {
                    lagLine(admin, "consumer group " + group.groupId() + " aggregate " + aggregate.getKey(),
                            aggregate.getValue(), state + source, results);
                }
                continue;
            }
            String source = "";
            if (group.groupId().equals(settings.get("archive.group-id"))) {
                positions.clear();
                positions.putAll(archivePositions(admin, settings));
                source = ", offsets covered by the objects in bucket " + settings.get("s3.bucket");
            }
            positions.keySet().removeIf(tp -> !tp.topic().startsWith(prefix));
            lagLine(admin, "consumer group " + group.groupId(), positions, state + source, results);
        }
    }

    /** One reader's lag: how far its positions are behind the ends of their partitions; nothing when it has none. */
    private static void lagLine(Admin admin, String reader, Map<TopicPartition, Long> positions, String about,
            List<CheckResult> results) throws ExecutionException, InterruptedException, TimeoutException {
        if (positions.isEmpty()) {
            return;
        }
        Map<TopicPartition, Long> ends = TopicEnds.ofPartitions(admin, positions.keySet(), TIMEOUT);
        long lag = positions.entrySet().stream().mapToLong(e -> Math.max(0, ends.getOrDefault(e.getKey(), e.getValue()) - e.getValue())).sum();
        results.add(CheckResult.ok(NAME, reader + "  lag " + lag + " (" + positions.size()
                + (positions.size() == 1 ? " partition, " : " partitions, ") + about + ")"));
    }

    /**
     * The next offset the archive will read on each partition of its topics: one past the offsets its objects cover
     * (it commits nothing to Kafka). Empty when S3 cannot be read: the s3 component says why.
     */
    private static Map<TopicPartition, Long> archivePositions(Admin admin, DoctorSettings settings) {
        Map<TopicPartition, Long> positions = new HashMap<>();
        java.util.regex.Pattern topics = java.util.regex.Pattern.compile(settings.get("archive.topics"));
        try (var client = S3ArchiveObjects.client(settings.get("s3.endpoint"), settings.get("s3.region"),
                settings.get("s3.access-key"), settings.get("s3.secret-key"))) {
            S3ArchiveObjects objects = new S3ArchiveObjects(client, settings.get("s3.bucket"));
            Collection<String> names = admin.listTopics().names().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            for (TopicPartition tp : TopicEnds.ofTopics(admin, names.stream().filter(t -> topics.matcher(t).matches())
                    .toList(), TIMEOUT).keySet()) {
                List<String> keys = objects.list(ArchiveBatch.PREFIX + "table="
                        + ArchiveBatch.tableKey(ChangeEventParser.tableOf(tp.topic())) + "/");
                positions.put(tp, ArchiveCoverage.of(tp.topic(), tp.partition(), keys).contiguousEnd() + 1);
            }
        } catch (Exception e) {
            // S3 away or refusing: reported by the s3 component
        }
        return positions;
    }

    /**
     * Per aggregate that reads a topic, the next offset it will apply on each partition: one past the last offset in
     * its state.
     */
    private static Map<String, Map<TopicPartition, Long>> aggregatePositions(DoctorSettings settings, String topic) {
        Map<String, Map<TopicPartition, Long>> positions = new TreeMap<>();
        String table = TableId.parse(settings.get("aggregate.state-schema") + ".aggregate_offsets").quoted();
        try (Connection c = PostgresClient.connect(settings);
             PreparedStatement ps = c.prepareStatement("SELECT aggregate, kafka_partition, last_offset FROM " + table
                     + " WHERE topic = ?")) {
            ps.setString(1, topic);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    positions.computeIfAbsent(rs.getString(1), a -> new HashMap<>())
                            .put(new TopicPartition(topic, rs.getInt(2)), rs.getLong(3) + 1);
                }
            }
        } catch (SQLException e) {
            // no state (aggregates off, or PostgreSQL away): the postgres component says why
        }
        return positions;
    }

    /** Sum of the end offsets of each topic's partitions. */
    private static Map<String, Long> endOffsets(Admin admin, Collection<String> topics)
            throws ExecutionException, InterruptedException, TimeoutException {
        Map<String, Long> ends = new TreeMap<>();
        TopicEnds.ofTopics(admin, topics, TIMEOUT).forEach((tp, end) -> ends.merge(tp.topic(), end, Long::sum));
        return ends;
    }

    private static CheckResult unreachable(DoctorSettings settings, Exception e) {
        return CheckResult.fail(NAME, "Kafka not reachable at " + settings.get("kafka.bootstrap-servers") + " (" + reason(e) + ")",
                settings.startFix("kafka.bootstrap-servers", "Kafka", "KAFKA_BOOTSTRAP_SERVERS"));
    }

    private static String reason(Exception e) {
        Throwable t = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        if (t instanceof TimeoutException || t instanceof org.apache.kafka.common.errors.TimeoutException) {
            return "no answer within " + TIMEOUT_MS / 1000 + " s";
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + CheckResult.brief(t.getMessage()));
    }
}
