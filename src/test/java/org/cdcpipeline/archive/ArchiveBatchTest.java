package org.cdcpipeline.archive;

import java.util.List;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.model.Model;
import org.apache.camel.model.ProcessorDefinition;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.SetHeaderDefinition;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ArchiveBatchTest {

    private static final ArchivedChange.Column ID = new ArchivedChange.Column("id", Schema.create(Schema.Type.INT));
    private static final ArchivedChange.Column NOTE = new ArchivedChange.Column("uwagi", Schema.create(Schema.Type.STRING));

    @Test
    void shouldNameTheObjectAfterTableFirstCommitDateTopicPartitionAndOffsets() throws Exception {
        ArchiveBatch batch = new ArchiveBatch();
        // 2025-03-14T23:59:59Z, then a change after midnight: the batch keeps the first change's date
        batch.add(admitted(change(10, 1741996799000L, List.of(ID), 1), 8));
        batch.add(admitted(change(11, 1741996801000L, List.of(ID), 2), 11));
        // from the offset after the previous batch: records 8 and 9 (a tombstone, a replay) count as covered
        String key = objectKeyOfTheRoute(batch);
        assertThat(key).isEqualTo("raw-kafka-data/table=klienci/date=2025-03-14/p.s.klienci-3-8-11.parquet");
        assertThat(key).startsWith(ArchiveBatch.PREFIX + "table=" + ArchiveBatch.tableKey("klienci") + "/");
        // resuming reads the offsets back from the name
        assertThat(ArchiveCoverage.range(key, "p.s.klienci", 3)).containsExactly(8, 11);
    }

    /** The S3 key the archive-write route (routes/raw-archive.camel.yaml) sets for the batch. */
    private static String objectKeyOfTheRoute(ArchiveBatch batch) throws Exception {
        try (CamelContext context = new DefaultCamelContext()) {
            // the route file's beans take the shipped settings
            context.getPropertiesComponent().setLocation("file:application.properties");
            PluginHelper.getRoutesLoader(context).loadRoutes(
                    ResourceHelper.resolveResource(context, "file:routes/raw-archive.camel.yaml"));
            RouteDefinition route = context.getCamelContextExtension().getContextPlugin(Model.class)
                    .getRouteDefinition("archive-write");
            SetHeaderDefinition setKey = setHeader(route.getOutputs(), "CamelAwsS3Key");
            assertThat(setKey).as("archive-write sets CamelAwsS3Key").isNotNull();
            Exchange exchange = new DefaultExchange(context);
            exchange.getIn().setBody(batch);
            return context.resolveLanguage(setKey.getExpression().getLanguage())
                    .createExpression(setKey.getExpression().getExpression()).evaluate(exchange, String.class);
        }
    }

    private static SetHeaderDefinition setHeader(List<ProcessorDefinition<?>> steps, String name) {
        for (ProcessorDefinition<?> step : steps) {
            if (step instanceof SetHeaderDefinition set && name.equals(set.getName())) {
                return set;
            }
            SetHeaderDefinition nested = setHeader(step.getOutputs(), name);
            if (nested != null) {
                return nested;
            }
        }
        return null;
    }

    @Test
    void shouldKeepEveryTableNameInsideItsOwnFolder() {
        assertThat(ArchiveBatch.tableKey("klienci")).isEqualTo("klienci");
        assertThat(ArchiveBatch.tableKey("a/../b")).isEqualTo("a%2F%2E%2E%2Fb");
        assertThat(ArchiveBatch.tableKey("a.b")).isEqualTo("a%2Eb");
        assertThat(ArchiveBatch.tableKey("table=x")).isEqualTo("table%3Dx");
        assertThat(ChangeEventParser.tableOf("dbserver1.public.a.b")).isEqualTo("a.b");
    }

    @Test
    void shouldStoreSourceColumnsNamedLikeMetadataColumnsUnderAnotherName() {
        ArchiveBatch batch = new ArchiveBatch();
        ArchivedChange.Column op = new ArchivedChange.Column("__op", Schema.create(Schema.Type.STRING));
        ArchivedChange.Column dashed = new ArchivedChange.Column("a-b", Schema.create(Schema.Type.STRING));
        ArchivedChange.Column underscored = new ArchivedChange.Column("a_b", Schema.create(Schema.Type.STRING));
        batch.add(admitted(change(1, 0, List.of(ID, op, dashed, underscored), 1, "x", "dash", "under"), 0));
        GenericRecord row = batch.records().get(0);
        assertThat(row.get("__op")).isEqualTo("c");
        assertThat(row.get("src__op")).isEqualTo("x");
        assertThat(row.get("a_b")).isEqualTo("dash");
        assertThat(row.get("a_b_2")).isEqualTo("under");
    }

    @Test
    void shouldGiveEveryRowTheColumnsOfTheWholeBatchWhenAColumnIsAddedMidBatch() {
        ArchiveBatch batch = new ArchiveBatch();
        batch.add(admitted(change(1, 0, List.of(ID), 1), 0));
        batch.add(admitted(change(2, 0, List.of(ID, NOTE), 2, "nowa"), 2));
        List<GenericRecord> rows = batch.records();
        assertThat(rows.get(0).getSchema()).isSameAs(rows.get(1).getSchema());
        assertThat(rows.get(0).get("uwagi")).isNull();
        assertThat(rows.get(1).get("uwagi")).isEqualTo("nowa");
        assertThat(rows.get(1).get("__kafka_offset")).isEqualTo(2L);
        assertThat(rows.get(1).get("__kafka_partition")).isEqualTo(3);
        assertThat(rows.get(1).get("__deleted")).isEqualTo(false);
        assertThat(rows.get(0).getSchema().getFields().stream().map(Schema.Field::name).toList()).containsExactly("id", "uwagi",
                "__op", "__lsn", "__tx_id", "__source_ts_ms", "__deleted", "__kafka_partition", "__kafka_offset", "__key");
    }

    static AdmittedChange admitted(ArchivedChange change, long coverFrom) {
        return new AdmittedChange(change, coverFrom, 1, "p.s.klienci-3-1-0");
    }

    static ArchivedChange change(long offset, long tsMs, List<ArchivedChange.Column> columns, Object... values) {
        return new ArchivedChange("p.s.klienci", 3, offset, "klienci", "{\"id\":" + values[0] + "}", "c", 100 + offset, 5L,
                tsMs, columns, values);
    }
}
