package org.cdcpipeline.faults;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;
import org.cdcpipeline.faults.ArchiveContents.ArchiveObject;
import org.cdcpipeline.faults.ArchiveContents.ArchivedRow;
import org.cdcpipeline.faults.AuditTrail.AuditedChange;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The fault suite's verdict on small, known audit trails and archives: each kind of mismatch is found, and only it. */
class ArchiveCheckTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Schema ROW = SchemaBuilder.record("klienci").fields()
            .requiredInt("id").optionalString("kraj")
            .requiredString("__op").requiredLong("__lsn").optionalLong("__tx_id")
            .requiredInt("__kafka_partition").requiredLong("__kafka_offset").endRecord();

    private final ArchiveObject object = new ArchiveObject("raw-kafka-data/table=klienci/date=2026-11-28/dbserver1.public.klienci-0-0-99.parquet",
            "klienci", "dbserver1.public.klienci", 0, 0, 99, new ArrayList<>());
    private long seq;

    @Test
    void shouldMatchEveryChangeOnceInOrderIncludingTwoChangesOfOneRowInOneTransaction() throws Exception {
        List<AuditedChange> audited = List.of(
                audited("c", 1, 700, "Polska"), audited("u", 1, 701, "Niemcy"), audited("u", 1, 701, "Czechy"),
                audited("d", 1, 702, "Czechy"));
        List<ArchivedRow> archived = List.of(
                row("c", 1, 700, "Polska", 10, 0), row("u", 1, 701, "Niemcy", 20, 1), row("u", 1, 701, "Czechy", 21, 2),
                row("d", 1, 702, null, 30, 3));

        ArchiveCheck.Result result = ArchiveCheck.compare(audited, archived);

        assertThat(result.exact()).isTrue();
        assertThat(result.archived()).hasSize(4);
    }

    @Test
    void shouldReportAMissingChangeAndAReplayedCopyAsDuplicate() throws Exception {
        List<AuditedChange> audited = List.of(audited("c", 1, 700, "Polska"), audited("u", 1, 701, "Niemcy"),
                audited("c", 2, 702, "Litwa"));
        List<ArchivedRow> archived = List.of(row("c", 1, 700, "Polska", 10, 0), row("c", 2, 702, "Litwa", 30, 2),
                row("c", 2, 702, "Litwa", 30, 5));

        ArchiveCheck.Result result = ArchiveCheck.compare(audited, archived);

        assertThat(result.missing()).extracting(AuditedChange::xid).containsExactly(701L);
        assertThat(result.duplicateCopies()).isEqualTo(1);
        assertThat(result.unexpected()).isEmpty();
        assertThat(result.outOfOrder()).isEmpty();
    }

    @Test
    void shouldReportOutOfOrderOtherValuesAndSnapshotRows() throws Exception {
        List<AuditedChange> audited = List.of(audited("c", 1, 700, "Polska"), audited("u", 1, 701, "Niemcy"),
                audited("u", 2, 702, "Litwa"));
        List<ArchivedRow> archived = List.of(row("u", 1, 701, "Niemcy", 20, 0), row("c", 1, 700, "Polska", 10, 1),
                row("u", 2, 702, "Austria", 30, 2), row("r", 3, 650, "Włochy", 5, 3));

        ArchiveCheck.Result result = ArchiveCheck.compare(audited, archived);

        assertThat(result.outOfOrder()).extracting(ArchivedRow::offset).containsExactly(1L);
        assertThat(result.valueMismatches()).hasSize(1).first().asString().contains("id=2");
        assertThat(result.unexpected()).extracting(ArchivedRow::op).containsExactly("r");
        assertThat(result.missing()).isEmpty();
    }

    private AuditedChange audited(String op, int id, long txid, String kraj) throws Exception {
        String values = "{\"id\": " + id + ", \"kraj\": \"" + kraj + "\"}";
        return new AuditedChange(++seq, "klienci", op, id, txid, JSON.readTree(values), Instant.now());
    }

    private ArchivedRow row(String op, int id, long xid, String kraj, long lsn, long offset) {
        GenericRecord r = new GenericData.Record(ROW);
        r.put("id", id);
        r.put("kraj", kraj == null ? null : new Utf8(kraj));
        r.put("__op", new Utf8(op));
        r.put("__lsn", lsn);
        r.put("__tx_id", xid);
        r.put("__kafka_partition", 0);
        r.put("__kafka_offset", offset);
        return new ArchivedRow(object, r);
    }
}
