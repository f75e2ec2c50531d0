package org.cdcpipeline.cdc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.cdcpipeline.TestPipeline;
import org.cdcpipeline.TestServices;
import org.cdcpipeline.TopicReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.cdcpipeline.TestServices.execute;

/**
 * Capture's position in a PostgreSQL table (cdc.offsets-table): moved there from the offsets file on the first start,
 * and read from there by an instance with no file of its own, which resumes instead of taking a new snapshot; with it,
 * a second instance of the same settings waits on the replication slot (it admits one reader) and takes over when the
 * first stops, without a second snapshot and without losing a change.
 */
class SharedOffsetsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOPIC = "sharedoff.shared_off.dokumenty";
    private static final String TABLE = "shared_off_state.cdc_offsets";
    private static final String TAKEOVER_TOPIC = "takeover.take_over.dokumenty";

    @TempDir
    Path work;

    @AfterAll
    static void dropSlot() throws Exception {
        execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                + "WHERE slot_name IN ('shared_off', 'take_over') AND NOT active");
    }

    /** An instance capturing {@code schema.dokumenty} onto topics of {@code prefix}, with a data folder of its own. */
    private Map<String, String> instance(String schema, String prefix, String name) {
        return new HashMap<>(Map.of("csv.dir", work.resolve(name + "-csv").toString(), "csv.schema", schema,
                "pipeline.data-dir", work.resolve(name + "-data").toString(), "cdc.enabled", "true",
                "topic.prefix", prefix, "cdc.slot-name", schema, "cdc.publication-name", schema,
                "cdc.tables", schema + "\\.dokumenty", "cdc.offset-flush-interval-ms", "200"));
    }

    private Map<String, String> instance(String name) {
        return instance("shared_off", "sharedoff", name);
    }

    @Test
    void shouldMoveThePositionFromTheFileToTheTableAndResumeFromItOnAnotherInstance() throws Exception {
        execute("CREATE SCHEMA shared_off", "CREATE TABLE shared_off.dokumenty (id integer PRIMARY KEY, tresc text)",
                "INSERT INTO shared_off.dokumenty SELECT i, 'v' || i FROM generate_series(1, 5) i");
        try (TestPipeline a = TestPipeline.start(instance("a"))) {
            TopicReader.read(TOPIC, 5);
            execute("INSERT INTO shared_off.dokumenty VALUES (6, 'v6')");
            assertThat(operations(6)).containsExactly("r", "r", "r", "r", "r", "c");
        }
        assertThat(work.resolve("a-data").resolve("cdc-offsets.dat")).exists();

        Map<String, String> withTable = instance("a");
        withTable.put("cdc.offsets-table", TABLE);
        try (TestPipeline a = TestPipeline.start(withTable)) {
            execute("INSERT INTO shared_off.dokumenty VALUES (7, 'v7')");
            assertThat(operations(7)).as("the file's position, moved to the table: no new snapshot")
                    .containsExactly("r", "r", "r", "r", "r", "c", "c");
        }
        assertThat(TestServices.column("SELECT count(*) FROM " + TABLE)).containsExactly("1");

        // another instance, with no offsets file of its own
        Map<String, String> other = instance("b");
        other.put("cdc.offsets-table", TABLE);
        try (TestPipeline b = TestPipeline.start(other)) {
            execute("INSERT INTO shared_off.dokumenty VALUES (8, 'v8')");
            assertThat(operations(8)).as("resumed from the table's position: no new snapshot, nothing skipped")
                    .containsExactly("r", "r", "r", "r", "r", "c", "c", "c");
        }
        assertThat(Files.exists(work.resolve("b-data").resolve("cdc-offsets.dat")))
                .as("the position is kept in the table only").isFalse();
    }

    @Test
    void shouldLetAStandbyTakeOverFromTheSharedPositionWithoutASecondSnapshot() throws Exception {
        execute("CREATE SCHEMA take_over", "CREATE TABLE take_over.dokumenty (id integer PRIMARY KEY, tresc text)",
                "INSERT INTO take_over.dokumenty SELECT i, 'v' || i FROM generate_series(1, 5) i");
        TestPipeline first = TestPipeline.start(takeoverInstance("a"));
        try {
            TopicReader.read(TAKEOVER_TOPIC, 5); // the snapshot is published: from here on the first instance streams
            execute("INSERT INTO take_over.dokumenty VALUES (6, 'v6')");
            assertThat(takeoverOperations(6)).containsExactly("r 1", "r 2", "r 3", "r 4", "r 5", "c 6");
            // the shared position is past the snapshot: a standby started before that would take a snapshot of its own
            await().atMost(Duration.ofSeconds(30)).until(() -> TestServices.column("SELECT count(*) FROM "
                    + "take_over_state.cdc_offsets WHERE convert_from(offset_value, 'UTF8') NOT LIKE '%snapshot%'")
                    .equals(List.of("1")));
            String holder = slotHolder();
            try (TestPipeline second = TestPipeline.start(takeoverInstance("b"))) {
                execute("INSERT INTO take_over.dokumenty VALUES (7, 'v7')");
                assertThat(takeoverOperations(7)).containsExactly("r 1", "r 2", "r 3", "r 4", "r 5", "c 6", "c 7");
                assertThat(slotHolder()).as("the first instance still reads the slot").isEqualTo(holder);

                first.close();
                execute("INSERT INTO take_over.dokumenty VALUES (8, 'v8')");
                await().atMost(Duration.ofSeconds(30)).until(() -> !slotHolder().isEmpty() && !slotHolder().equals(holder));
                execute("INSERT INTO take_over.dokumenty VALUES (9, 'v9')");
                // resumed from the shared position: no second snapshot, nothing lost; a change after the last position
                // saved is published again, with the same LSN (capture's at-least-once contract, docs/capture.md)
                List<String> changes = takeoverChanges(9);
                assertThat(changes.stream().map(c -> c.substring(0, c.lastIndexOf(' '))).distinct())
                        .as("the second instance resumed from the shared position")
                        .containsExactly("r 1", "r 2", "r 3", "r 4", "r 5", "c 6", "c 7", "c 8", "c 9");
                assertThat(changes.stream().distinct().count()).as("a change published twice has the same LSN")
                        .isEqualTo(9);
            }
        } finally {
            first.close();
        }
    }

    private Map<String, String> takeoverInstance(String name) {
        Map<String, String> s = instance("take_over", "takeover", name);
        s.put("cdc.offsets-table", "take_over_state.cdc_offsets");
        return s;
    }

    /** The walsender PID reading the slot, empty while no one does. */
    private static String slotHolder() throws Exception {
        List<String> pid = TestServices.column("SELECT active_pid FROM pg_replication_slots WHERE slot_name = 'take_over'");
        return pid.isEmpty() || pid.get(0) == null ? "" : pid.get(0);
    }

    /** The operations of the topic's events, in order, once it holds at least {@code count} records. */
    private static List<String> operations(int count) throws Exception {
        return events(TOPIC, count).stream().map(e -> e.at("/payload/op").asText()).toList();
    }

    /** Operation and id of the take-over topic's events, in order. */
    private static List<String> takeoverOperations(int count) throws Exception {
        return events(TAKEOVER_TOPIC, count).stream()
                .map(e -> e.at("/payload/op").asText() + " " + e.at("/payload/after/id").asText()).toList();
    }

    /** Operation, id and LSN of the take-over topic's events, in order. */
    private static List<String> takeoverChanges(int count) throws Exception {
        return events(TAKEOVER_TOPIC, count).stream().map(e -> e.at("/payload/op").asText() + " "
                + e.at("/payload/after/id").asText() + " " + e.at("/payload/source/lsn").asText()).toList();
    }

    /** The topic's events, in order, once it holds at least {@code count} records. */
    private static List<JsonNode> events(String topic, int count) throws Exception {
        List<JsonNode> events = new ArrayList<>();
        for (ConsumerRecord<String, String> r : TopicReader.read(topic, count)) {
            events.add(JSON.readTree(r.value()));
        }
        return events;
    }
}
