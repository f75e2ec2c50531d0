package org.cdcpipeline.cdc;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.cdcpipeline.CapturedSchema;
import org.cdcpipeline.TestPipeline;
import org.cdcpipeline.TestServices;
import org.cdcpipeline.TopicReader;
import org.cdcpipeline.doctor.Doctor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A failure Debezium retries without end: the publication is dropped and a change committed before the pipeline
 * creates it again, so PostgreSQL cannot decode the slot past that change. Capture stops reading while its route runs
 * and its lock is held; the pipeline says so (capture-streaming, with PostgreSQL's error), the doctor names the cause
 * and the fix, and the fix brings every row back: a new slot, and a snapshot of the current rows.
 */
class StalledCaptureIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;

    @Test
    void shouldReportCaptureThatNoLongerReadsTheSlotAndRecoverWithTheDoctorsFix() throws Exception {
        CapturedSchema schema = new CapturedSchema("stalled_capture", work);
        Map<String, String> settings = settings(schema);
        String topic = schema.topic("klienci");
        try (TestPipeline pipeline = TestPipeline.start(settings)) {
            CaptureStreaming streaming = pipeline.context().getRegistry()
                    .lookupByNameAndType("captureStreaming", CaptureStreaming.class);
            TestServices.execute("INSERT INTO stalled_capture.klienci (id, nazwa) VALUES (1, 'first')");
            assertThat(TopicReader.read(topic, 1)).hasSize(1);
            assertThat(streaming.stalled()).isEmpty();

            TestServices.execute("DROP PUBLICATION stalled_capture; "
                    + "INSERT INTO stalled_capture.klienci (id, nazwa) VALUES (2, 'while the publication was gone')");
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(streaming.stalled()).hasValueSatisfying(
                    problem -> assertThat(problem).contains("has not read the replication slot")
                            .contains("publication \"stalled_capture\" does not exist").contains("doctor")));

            List<String> doctor = doctor(settings);
            assertThat(doctor).anySatisfy(line -> assertThat(line).startsWith("FAIL debezium")
                    .contains("PostgreSQL cannot decode it").contains("publication \"stalled_capture\" does not exist")
                    .contains("pg_drop_replication_slot('stalled_capture')")
                    .contains("cdc.snapshot-mode=when_needed"));

            // the doctor's fix, step one, while capture retries
            await().atMost(Duration.ofSeconds(30)).ignoreExceptionsInstanceOf(SQLException.class).until(() -> {
                TestServices.execute("SELECT pg_drop_replication_slot('stalled_capture')");
                return true;
            });
        }
        // step two: one start with snapshot mode when_needed
        Map<String, String> once = new HashMap<>(settings);
        once.put("cdc.snapshot-mode", "when_needed");
        try (TestPipeline pipeline = TestPipeline.start(once)) {
            // the snapshot publishes the current rows again, row 2 with them
            List<String> snapshot = TopicReader.read(topic, 3).stream().skip(1).map(StalledCaptureIT::idAndOp).toList();
            assertThat(snapshot).containsExactly("1 r", "2 r");
            // and capture streams again
            TestServices.execute("INSERT INTO stalled_capture.klienci (id, nazwa) VALUES (3, 'after the fix')");
            List<String> events = TopicReader.read(topic, 4).stream().map(StalledCaptureIT::idAndOp).toList();
            assertThat(events).hasSize(4).endsWith("3 c");
            assertThat(pipeline.context().getRegistry().lookupByNameAndType("captureStreaming", CaptureStreaming.class)
                    .stalled()).isEmpty();
        }
    }

    private static Map<String, String> settings(CapturedSchema schema) throws Exception {
        TestServices.execute("CREATE SCHEMA " + schema.name());
        Map<String, String> s = new HashMap<>(schema.settings());
        s.put("cdc.stalled-after-ms", "2000");
        s.put("cdc.reconnect-wait-ms", "1000");
        s.put("cdc.table-discovery-interval-ms", "500");
        return s;
    }

    private static String idAndOp(ConsumerRecord<String, String> record) {
        try {
            JsonNode payload = JSON.readTree(record.value()).get("payload");
            return payload.at("/after/id").asInt() + " " + payload.get("op").asText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> doctor(Map<String, String> settings) {
        Map<String, String> all = new HashMap<>(TestServices.endpoints());
        all.putAll(settings);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Doctor.run(all, "debezium", new PrintStream(bytes, true, StandardCharsets.UTF_8));
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        System.out.println(String.join("\n", lines));
        return lines;
    }
}
