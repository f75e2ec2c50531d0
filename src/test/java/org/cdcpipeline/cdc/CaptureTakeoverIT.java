package org.cdcpipeline.cdc;

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
 * Two instances with the same settings and the position in a shared table (cdc.offsets-table): the replication slot
 * admits one reader, so the second waits; once the first stops, the second takes the slot and goes on from the shared
 * position, without a second snapshot and without losing a change.
 */
class CaptureTakeoverIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOPIC = "takeover.take_over.dokumenty";

    @TempDir
    Path work;

    @AfterAll
    static void dropSlot() throws Exception {
        execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                + "WHERE slot_name = 'take_over' AND NOT active");
    }

    private Map<String, String> instance(String name) {
        Map<String, String> s = new HashMap<>(Map.of("csv.dir", work.resolve(name + "-csv").toString(), "csv.schema", "take_over",
                "pipeline.data-dir", work.resolve(name + "-data").toString(), "cdc.enabled", "true",
                "topic.prefix", "takeover", "cdc.slot-name", "take_over", "cdc.publication-name", "take_over",
                "cdc.tables", "take_over\\.dokumenty", "cdc.offset-flush-interval-ms", "200"));
        s.put("cdc.offsets-table", "take_over_state.cdc_offsets");
        return s;
    }

    @Test
    void shouldLetAStandbyTakeOverFromTheSharedPositionWithoutASecondSnapshot() throws Exception {
        execute("CREATE SCHEMA take_over", "CREATE TABLE take_over.dokumenty (id integer PRIMARY KEY, tresc text)",
                "INSERT INTO take_over.dokumenty SELECT i, 'v' || i FROM generate_series(1, 5) i");
        TestPipeline first = TestPipeline.start(instance("a"));
        try {
            TopicReader.read(TOPIC, 5); // the snapshot is published: from here on the first instance streams
            execute("INSERT INTO take_over.dokumenty VALUES (6, 'v6')");
            assertThat(operations(6)).containsExactly("r 1", "r 2", "r 3", "r 4", "r 5", "c 6");
            // the shared position is past the snapshot: a standby started before that would take a snapshot of its own
            await().atMost(Duration.ofSeconds(30)).until(() -> TestServices.column("SELECT count(*) FROM "
                    + "take_over_state.cdc_offsets WHERE convert_from(offset_value, 'UTF8') NOT LIKE '%snapshot%'")
                    .equals(List.of("1")));
            String holder = slotHolder();
            try (TestPipeline second = TestPipeline.start(instance("b"))) {
                execute("INSERT INTO take_over.dokumenty VALUES (7, 'v7')");
                assertThat(operations(7)).containsExactly("r 1", "r 2", "r 3", "r 4", "r 5", "c 6", "c 7");
                assertThat(slotHolder()).as("the first instance still reads the slot").isEqualTo(holder);

                first.close();
                execute("INSERT INTO take_over.dokumenty VALUES (8, 'v8')");
                await().atMost(Duration.ofSeconds(30)).until(() -> !slotHolder().isEmpty() && !slotHolder().equals(holder));
                execute("INSERT INTO take_over.dokumenty VALUES (9, 'v9')");
                // resumed from the shared position: no second snapshot, nothing lost; a change after the last position
                // saved is published again, with the same LSN (capture's at-least-once contract, docs/capture.md)
                List<String> changes = changes(9);
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

    /** The walsender PID reading the slot, empty while no one does. */
    private static String slotHolder() throws Exception {
        List<String> pid = TestServices.column("SELECT active_pid FROM pg_replication_slots WHERE slot_name = 'take_over'");
        return pid.isEmpty() || pid.get(0) == null ? "" : pid.get(0);
    }

    /** Operation, id and LSN of the topic's events, in order, once it holds at least {@code count} records. */
    private static List<String> changes(int count) throws Exception {
        List<String> changes = new ArrayList<>();
        for (ConsumerRecord<String, String> r : TopicReader.read(TOPIC, count)) {
            JsonNode event = JSON.readTree(r.value());
            changes.add(event.at("/payload/op").asText() + " " + event.at("/payload/after/id").asText() + " "
                    + event.at("/payload/source/lsn").asText());
        }
        return changes;
    }

    /** Operation and id of the topic's events, in order, once it holds at least {@code count} records. */
    private static List<String> operations(int count) throws Exception {
        List<String> ops = new ArrayList<>();
        for (ConsumerRecord<String, String> r : TopicReader.read(TOPIC, count)) {
            JsonNode event = JSON.readTree(r.value());
            ops.add(event.at("/payload/op").asText() + " " + event.at("/payload/after/id").asText());
        }
        return ops;
    }
}
