package org.cdcpipeline.cdc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.cdcpipeline.TestPipeline;
import org.cdcpipeline.TestServices;
import org.cdcpipeline.TopicReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cdcpipeline.TestServices.execute;

/** Tables that join capture after it started: created while it runs (psql or a new CSV file), or named at a restart. */
class NewTableCaptureIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;

    private Map<String, String> settings(String name, Map<String, String> more) {
        Map<String, String> s = new HashMap<>(Map.of("csv.dir", work.resolve("csv").toString(), "csv.schema", name,
                "pipeline.data-dir", work.resolve("data").toString(), "cdc.enabled", "true",
                "topic.prefix", name, "cdc.slot-name", name, "cdc.publication-name", name,
                "cdc.offset-flush-interval-ms", "200", "cdc.table-discovery-interval-ms", "500"));
        s.putAll(more);
        return s;
    }

    @Test
    void shouldCaptureTablesCreatedWhileRunningWithTheRowsTheyAlreadyHold() throws Exception {
        String schema = "new_tab";
        Files.createDirectories(work.resolve("csv"));
        try (TestPipeline pipeline = TestPipeline.start(settings(schema, Map.of()))) {
            execute("INSERT INTO new_tab.klienci (id, nazwa) VALUES (1, 'Pierwszy')");
            assertThat(TopicReader.read("new_tab.new_tab.klienci", 1)).hasSize(1);

            // created with psql, rows inserted before capture knows of it
            execute("CREATE TABLE new_tab.magazyny (id integer PRIMARY KEY, miasto text)",
                    "INSERT INTO new_tab.magazyny VALUES (1, 'Gdańsk'), (2, 'Kraków'), (3, 'Poznań')");
            List<ConsumerRecord<String, String>> snapshot = TopicReader.read("new_tab.new_tab.magazyny", 3);
            assertThat(changes(snapshot)).containsExactlyInAnyOrder("r 1", "r 2", "r 3");
            assertThat(JSON.readTree(snapshot.get(0).value()).at("/payload/source/snapshot").asText()).isEqualTo("incremental");
            execute("INSERT INTO new_tab.magazyny VALUES (4, 'Wrocław')",
                    "UPDATE new_tab.magazyny SET miasto = 'Gdynia' WHERE id = 1");
            List<ConsumerRecord<String, String>> all = TopicReader.read("new_tab.new_tab.magazyny", 5);
            assertThat(changes(all)).hasSize(5).endsWith("c 4", "u 1");
            assertThat(JSON.readTree(all.get(4).value()).at("/payload/after/miasto").asText()).isEqualTo("Gdynia");

            // a new CSV file: the table it creates joins capture before its first row is written
            Files.writeString(work.resolve("csv").resolve("dostawcy.csv"),
                    "id,nazwa,kraj\n1,Hurtownia Bałtyk,Polska\n2,Dodavatel s.r.o.,Czechy\n3,Tiekėjas UAB,Litwa\n");
            assertThat(changes(TopicReader.read("new_tab.new_tab.dostawcy", 3))).containsExactly("c 1", "c 2", "c 3");

            try (Admin admin = Admin.create(kafka())) {
                assertThat(admin.listTopics().names().get()).as("the signal table's rows are requests, not data")
                        .noneMatch(t -> t.contains("cdc_signal"));
            }
        }
    }

    @Test
    void shouldSnapshotATableAddedToTheConfigurationAtRestart() throws Exception {
        String schema = "new_cfg";
        execute("CREATE SCHEMA new_cfg_extra", "CREATE TABLE new_cfg_extra.kontrahenci (id bigint PRIMARY KEY, nazwa text)",
                "INSERT INTO new_cfg_extra.kontrahenci VALUES (10, 'Stary kontrahent'), (11, 'Drugi')");
        try (TestPipeline pipeline = TestPipeline.start(settings(schema, Map.of()))) {
            execute("INSERT INTO new_cfg.klienci (id, nazwa) VALUES (1, 'Pierwszy')");
            assertThat(TopicReader.read("new_cfg.new_cfg.klienci", 1)).hasSize(1);
        }
        assertThat(TestServices.column("SELECT count(*) FROM pg_publication_tables WHERE pubname = 'new_cfg' "
                + "AND schemaname = 'new_cfg_extra'")).containsExactly("0");

        try (TestPipeline pipeline = TestPipeline.start(settings(schema,
                Map.of("cdc.tables", "new_cfg\\..*,new_cfg_extra\\.kontrahenci")))) {
            assertThat(changes(TopicReader.read("new_cfg.new_cfg_extra.kontrahenci", 2)))
                    .containsExactlyInAnyOrder("r 10", "r 11");
            execute("DELETE FROM new_cfg_extra.kontrahenci WHERE id = 11");
            assertThat(changes(TopicReader.read("new_cfg.new_cfg_extra.kontrahenci", 4))).endsWith("d 11", "- 11");
            assertThat(TopicReader.read("new_cfg.new_cfg.klienci", 1)).as("no new snapshot of tables already captured")
                    .hasSize(1);
        }
    }

    private static Properties kafka() {
        Properties p = new Properties();
        p.put("bootstrap.servers", TestServices.endpoints().get("kafka.bootstrap-servers"));
        return p;
    }

    /** Each record as "op id", a tombstone as "- id". */
    private static List<String> changes(List<ConsumerRecord<String, String>> records) throws Exception {
        List<String> result = new java.util.ArrayList<>();
        for (ConsumerRecord<String, String> r : records) {
            String id = JSON.readTree(r.key()).at("/payload/id").asText();
            if (r.value() == null) {
                result.add("- " + id);
            } else {
                JsonNode value = JSON.readTree(r.value());
                result.add(value.at("/payload/op").asText() + " " + id);
            }
        }
        return result;
    }
}
