package org.cdcpipeline.cdc;

import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.cdcpipeline.TestPipeline;
import org.cdcpipeline.TestServices;
import org.cdcpipeline.TopicReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cdcpipeline.TestServices.execute;

/** What each PostgreSQL column type becomes in the change event (the table in docs/capture.md). */
class ColumnTypesIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;

    @Test
    void shouldWriteEachTypeAsDocumented() throws Exception {
        execute("CREATE SCHEMA typy",
                "CREATE TABLE typy.wszystkie (id integer PRIMARY KEY, duza bigint, kwota numeric(12,2), opis text, "
                        + "kod varchar(10), aktywny boolean, dzien date, chwila timestamp, moment timestamptz, "
                        + "identyfikator uuid, dane jsonb)",
                "ALTER TABLE typy.wszystkie REPLICA IDENTITY FULL");
        try (TestPipeline pipeline = TestPipeline.start(Map.of("csv.dir", work.resolve("csv").toString(),
                "csv.schema", "typy", "pipeline.data-dir", work.resolve("data").toString(), "cdc.enabled", "true",
                "cdc.tables", "typy.wszystkie", "topic.prefix", "typy", "cdc.slot-name", "typy",
                "cdc.publication-name", "typy"))) {
            execute("INSERT INTO typy.wszystkie VALUES (7, 9000000000, 1234.56, 'zażółć', 'AB-1', true, '2025-03-14', "
                    + "'2025-03-14 10:15:30.123456', '2025-03-14 10:15:30+01', '123e4567-e89b-12d3-a456-426614174000', "
                    + "'{\"a\": [1, 2]}')");
            JsonNode event = JSON.readTree(TopicReader.read("typy.typy.wszystkie", 1).get(0).value());
            JsonNode after = event.at("/payload/after");
            assertThat(after.get("id").asInt()).isEqualTo(7);
            assertThat(after.get("duza").asLong()).isEqualTo(9_000_000_000L);
            assertThat(new java.math.BigInteger(Base64.getDecoder().decode(after.get("kwota").asText())))
                    .as("numeric: unscaled value, base64, scale in the schema").isEqualTo(123456);
            assertThat(after.get("opis").asText()).isEqualTo("zażółć");
            assertThat(after.get("kod").asText()).isEqualTo("AB-1");
            assertThat(after.get("aktywny").asBoolean()).isTrue();
            assertThat(after.get("dzien").asInt()).as("days since 1970-01-01").isEqualTo(20161);
            assertThat(after.get("chwila").asLong()).as("microseconds since the epoch").isEqualTo(1741947330123456L);
            assertThat(after.get("moment").asText()).isEqualTo("2025-03-14T09:15:30.000000Z");
            assertThat(after.get("identyfikator").asText()).isEqualTo("123e4567-e89b-12d3-a456-426614174000");
            assertThat(JSON.readTree(after.get("dane").asText()).at("/a/1").asInt()).isEqualTo(2);

            Map<String, String> logical = new java.util.HashMap<>();
            for (JsonNode field : event.at("/schema/fields/1/fields")) {
                logical.put(field.get("field").asText(), field.get("type").asText() + " " + field.path("name").asText());
            }
            assertThat(logical).containsEntry("id", "int32 ").containsEntry("duza", "int64 ")
                    .containsEntry("kwota", "bytes org.apache.kafka.connect.data.Decimal")
                    .containsEntry("opis", "string ").containsEntry("aktywny", "boolean ")
                    .containsEntry("dzien", "int32 io.debezium.time.Date")
                    .containsEntry("chwila", "int64 io.debezium.time.MicroTimestamp")
                    .containsEntry("moment", "string io.debezium.time.ZonedTimestamp")
                    .containsEntry("identyfikator", "string io.debezium.data.Uuid")
                    .containsEntry("dane", "string io.debezium.data.Json");
        }
    }

}
