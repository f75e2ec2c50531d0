package org.cdcpipeline.cdc;

import java.nio.file.Path;
import java.util.Map;

import org.cdcpipeline.TestPipeline;
import org.cdcpipeline.TestServices;
import org.cdcpipeline.TopicReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cdcpipeline.TestServices.execute;

/** The old pipeline's "publication already exists" failure: a publication with other tables is corrected. */
class PublicationRepairIT {

    @TempDir
    Path work;

    @Test
    void shouldCaptureTheConfiguredTablesWhenThePublicationListsOthers() throws Exception {
        execute("CREATE SCHEMA pub_fix_other",
                "CREATE TABLE pub_fix_other.inna (id integer PRIMARY KEY)",
                "CREATE PUBLICATION pub_fix FOR TABLE pub_fix_other.inna");
        try (TestPipeline pipeline = TestPipeline.start(Map.of("csv.dir", work.resolve("csv").toString(),
                "csv.schema", "pub_fix", "pipeline.data-dir", work.resolve("data").toString(), "cdc.enabled", "true",
                "topic.prefix", "pubfix", "cdc.slot-name", "pub_fix", "cdc.publication-name", "pub_fix"))) {
            execute("INSERT INTO pub_fix.klienci (id, nazwa) VALUES (1, 'Po naprawie')");
            assertThat(TopicReader.read("pubfix.pub_fix.klienci", 1)).hasSize(1);
            assertThat(TestServices.column("SELECT schemaname || '.' || tablename FROM pg_publication_tables "
                    + "WHERE pubname = 'pub_fix' ORDER BY 1"))
                    .containsExactly("pipeline_state.cdc_signal", "pub_fix.klienci", "pub_fix.pracownicy", "pub_fix.projekty",
                            "pub_fix.zamowienia");
        }
    }


}
