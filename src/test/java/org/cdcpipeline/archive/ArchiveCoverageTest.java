package org.cdcpipeline.archive;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ArchiveCoverageTest {

    private static final String T = "p.s.klienci";

    @Test
    void shouldResumeAfterTheHighestContiguousRangeWhateverTheListingOrder() {
        ArchiveCoverage coverage = ArchiveCoverage.of(T, 0, List.of(
                "raw-kafka-data/table=klienci/date=2025-03-15/p.s.klienci-0-100-199.parquet",
                "raw-kafka-data/table=klienci/date=2025-03-14/p.s.klienci-0-0-49.parquet",
                "raw-kafka-data/table=klienci/date=2025-03-14/p.s.klienci-0-50-99.parquet",
                "raw-kafka-data/table=klienci/date=2025-03-15/p.s.klienci-0-300-399.parquet",
                "raw-kafka-data/table=klienci/date=2025-03-15/p.s.klienci-1-200-999.parquet",
                "raw-kafka-data/table=klienci/date=2025-03-15/p.s.klienci_old-0-200-999.parquet"));
        assertThat(coverage.contiguousEnd()).isEqualTo(199);
        assertThat(coverage.objects()).isEqualTo(4);
        assertThat(coverage.coveredBeyond(250)).isEqualTo(-1);
        assertThat(coverage.coveredBeyond(300)).isEqualTo(399);
        assertThat(coverage.coveredBeyond(399)).isEqualTo(399);
        assertThat(coverage.coveredBeyond(400)).isEqualTo(-1);
    }

    @Test
    void shouldJoinARangeBeyondAGapOnceTheGapIsWritten() {
        ArchiveCoverage coverage = ArchiveCoverage.of(T, 0, List.of(
                "raw-kafka-data/table=klienci/date=2025-03-14/p.s.klienci-0-0-9.parquet",
                "raw-kafka-data/table=klienci/date=2025-03-14/p.s.klienci-0-20-29.parquet"));
        assertThat(coverage.contiguousEnd()).isEqualTo(9);
        coverage.add(10, 19);
        assertThat(coverage.contiguousEnd()).isEqualTo(29);
    }

    @Test
    void shouldStartFromNothingWithoutObjects() {
        assertThat(ArchiveCoverage.of(T, 0, List.of()).contiguousEnd()).isEqualTo(-1);
    }
}
