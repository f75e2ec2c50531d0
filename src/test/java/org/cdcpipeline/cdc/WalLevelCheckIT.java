package org.cdcpipeline.cdc;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.cdcpipeline.Pipeline;
import org.cdcpipeline.RunOptions;
import org.cdcpipeline.TestServices;
import org.cdcpipeline.embedded.EmbeddedServices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** A PostgreSQL without logical decoding: the pipeline refuses to start and says what to change. */
class WalLevelCheckIT {

    @TempDir
    Path work;

    @Test
    void shouldRefuseToStartCaptureWithoutLogicalDecoding() {
        Map<String, String> server = TestServices.privatePostgres(work.resolve("pg"), "replica-only");
        server.put("postgres.embedded.config-file", "src/test/resources/postgresql-without-logical.conf");
        server.put("kafka.bootstrap-servers", TestServices.endpoints().get("kafka.bootstrap-servers"));
        server.put("s3.endpoint", TestServices.endpoints().get("s3.endpoint"));
        try (EmbeddedServices replicaOnly = EmbeddedServices.start(k -> server.getOrDefault(k, ""), false)) {
            Map<String, String> pipeline = new HashMap<>(TestServices.endpoints());
            pipeline.putAll(replicaOnly.endpoints());
            pipeline.put("pipeline.data-dir", work.resolve("pipeline").toString());
            pipeline.put("csv.dir", work.resolve("csv").toString());
            pipeline.put("cdc.enabled", "true");
            pipeline.put("jmx.enabled", "false");
            pipeline.put("observe.enabled", "false");
            int exit = new Pipeline(new RunOptions(true, false, false), pipeline).run();
            assertThat(exit).isEqualTo(1);

            pipeline.put("cdc.enabled", "false");
            assertThat(new Pipeline(new RunOptions(true, false, false), pipeline).run())
                    .as("CSV import alone needs no logical decoding").isZero();
        }
    }
}
