package org.cdcpipeline.csv;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CsvBatchesTest {

    @TempDir
    Path dir;

    private final AtomicBoolean stopping = new AtomicBoolean();

    private CheckedRows checked(String... lines) {
        CsvRows rows = new HeaderCheck(2).rows(CsvFiles.records(lines));
        return new RowChecks().check(rows, CsvFiles.klienci(rows.header()));
    }

    private ImportTally tally() {
        return new ImportOutcomes(new ImportStats(dir, ".*"), dir).start(CsvFile.named("klienci.csv"));
    }

    @Test
    void shouldCutBatchesOfTheBatchSizeCountingRejectsInFileOrder() {
        Iterator<CsvBatch> batches = new CsvBatches(2, stopping::get)
                .of(checked("id,nazwa", "1,a", ",b", "3,c", "4,d", "5,e"), tally());
        List<String> cut = new ArrayList<>();
        batches.forEachRemaining(b -> cut.add(b.accepted().rows().stream().map(r -> r.line()).toList()
                + " rejected " + b.rejects().stream().map(Reject::line).toList()));
        assertThat(cut).containsExactly("[2] rejected [3]", "[4, 5] rejected []", "[6] rejected []");
    }

    @Test
    void shouldEndAfterTheBatchesReadWhenThePipelineStopsAndSaySo() {
        ImportTally tally = tally();
        Iterator<CsvBatch> batches = new CsvBatches(2, stopping::get).of(checked("id,nazwa", "1,a", "2,b", "3,c"), tally);
        batches.next();
        stopping.set(true);
        assertThat(batches.hasNext()).isFalse();
        assertThat(tally.isStopped()).isTrue();
        assertThatThrownBy(() -> new ImportOutcomes(new ImportStats(dir, ".*"), dir).finish(tally))
                .isInstanceOf(ImportStoppedException.class)
                .hasMessageContaining("stopped with the pipeline after 0 rows; the file is imported again from the top");
    }

    @Test
    void shouldRefuseToCutTheRowsOfAFileTwiceRatherThanSkipRows() {
        CheckedRows rows = checked("id,nazwa", "1,a");
        CsvBatches batches = new CsvBatches(2, stopping::get);
        batches.of(rows, tally());
        assertThatThrownBy(() -> batches.of(rows, tally())).isInstanceOf(IllegalStateException.class);
    }
}
