package org.cdcpipeline.csv;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.apache.camel.RuntimeCamelException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class ImportOutcomesTest {

    @TempDir
    Path dir;

    @Test
    void shouldCountAFinishedFileForItsTableAndKeepItsRejectsBesideTheInput() throws Exception {
        ImportStats stats = new ImportStats(dir, ".*");
        ImportOutcomes outcomes = new ImportOutcomes(stats, dir);
        ImportTally tally = outcomes.start(CsvFile.named("klienci.csv"));
        tally.batchWritten(3, 2, List.of(new Reject(4, "missing id", ",x")));
        assertThat(stats.rowsWritten()).as("counted as its batches commit").isEqualTo(3);
        assertThat(stats.tables()).as("a table's counts are the files finished").isEmpty();
        tally.batchWritten(1, 1, List.of());
        outcomes.finish(tally);
        assertThat(stats.rowsWritten()).isEqualTo(4);
        ImportStats.Counts counts = stats.tables().get("klienci");
        assertThat(List.of(counts.files(), counts.imported(), counts.changed(), counts.rejected()))
                .containsExactly(1L, 4L, 3L, 1L);
        assertThat(tally.rejectsPath().getFileName().toString()).startsWith("klienci.").endsWith(".rejects.csv");
        assertThat(Files.readAllLines(tally.rejectsPath())).containsExactly("line,reason,raw", "4,missing id,\",x\"");
    }

    @Test
    void shouldCountARefusedFileWhateverCamelWrappedItsCauseIn() {
        ImportStats stats = new ImportStats(dir, ".*");
        ImportOutcomes outcomes = new ImportOutcomes(stats, dir);
        outcomes.refuse("a.csv", new RuntimeCamelException(new InvalidCsvFileException("the file is empty")));
        outcomes.refuse("b.csv", new IllegalStateException("disk full"));
        assertThat(stats.exitCode()).isEqualTo(2);
        assertThat(stats.summary()).anyMatch(line -> line.endsWith(": a.csv, b.csv"));
    }
}
