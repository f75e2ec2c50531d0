package org.cdcpipeline.cdc;

import java.nio.file.Files;
import java.nio.file.Path;
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
import static org.cdcpipeline.TestServices.execute;

/**
 * Capture's position in a PostgreSQL table (cdc.offsets-table): moved there from the offsets file on the first start,
 * and read from there by an instance with no file of its own, which resumes instead of taking a new snapshot.
 */
class SharedOffsetsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOPIC = "sharedoff.shared_off.dokumenty";
    private static final String TABLE = "shared_off_state.cdc_offsets";

    @TempDir
    Path work;

    @AfterAll
    static void dropSlot() throws Exception {
        execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                + "WHERE slot_name = 'shared_off' AND NOT active");
    }

    private Map<String, String> instance(String name) {
        return new HashMap<>(Map.of("csv.dir", work.resolve(name + "-csv").toString(), "csv.schema", "shared_off",
                "pipeline.data-dir", work.resolve(name + "-data").toString(), "cdc.enabled", "true",
                "topic.prefix", "sharedoff", "cdc.slot-name", "shared_off", "cdc.publication-name", "shared_off",
                "cdc.tables", "shared_off\\.dokumenty", "cdc.offset-flush-interval-ms", "200"));
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

    /** The operations of the topic's events, in order, once it holds at least {@code count} records. */
    private static List<String> operations(int count) throws Exception {
        List<String> ops = new java.util.ArrayList<>();
        for (ConsumerRecord<String, String> r : TopicReader.read(TOPIC, count)) {
            JsonNode event = JSON.readTree(r.value());
            ops.add(event.at("/payload/op").asText());
        }
        return ops;
    }
}
