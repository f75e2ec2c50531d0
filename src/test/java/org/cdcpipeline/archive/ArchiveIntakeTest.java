package org.cdcpipeline.archive;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ArchiveIntakeTest {

    private static final String TOPIC = "p.s.klienci";

    /** Objects already in the bucket, as a bucket listing and Parquet reader would give them. */
    private final List<String> keys = new ArrayList<>(List.of(
            "raw-kafka-data/table=klienci/date=2025-03-14/p.s.klienci-0-0-9.parquet",
            "raw-kafka-data/table=klienci/date=2025-03-14/p.s.klienci-0-10-19.parquet",
            "raw-kafka-data/table=klienci/date=2025-03-14/p.s.klienci-1-0-99.parquet",
            "raw-kafka-data/table=klienci/date=2025-03-14/p.s.klienci_old-0-0-500.parquet"));

    private final ArchiveObjects objects = new ArchiveObjects() {
        @Override
        public List<String> list(String prefix) {
            return keys.stream().filter(k -> k.startsWith(prefix)).toList();
        }

        @Override
        public List<String> identities(String key) {
            return key.endsWith("-10-19.parquet") ? List.of("klienci|{\"id\":1}|500") : List.of();
        }
    };

    private final ArchiveIntake intake = new ArchiveIntake(objects, 1000, new ArchiveStats(true));

    @Test
    void shouldSkipRecordsAlreadyInAnObjectOfTheirPartitionOnly() {
        assertThat(intake.admit(TOPIC, 0, 19, "{\"payload\":{\"id\":3}}", event(3, 900))).isNull();
        assertThat(intake.admit(TOPIC, 0, 20, "{\"payload\":{\"id\":3}}", event(3, 900))).isNotNull();
        assertThat(intake.admit(TOPIC, 1, 99, "{\"payload\":{\"id\":4}}", event(4, 901))).isNull();
        assertThat(intake.admit(TOPIC, 1, 100, "{\"payload\":{\"id\":4}}", event(4, 901))).isNotNull();
    }

    @Test
    void shouldSkipAChangeReplayedWithTheSameKeyAndLsnAlsoWhenTheOriginalIsInAnEarlierObject() {
        assertThat(intake.admit(TOPIC, 0, 20, "{\"payload\":{\"id\":1}}", event(1, 500))).as("archived before a restart").isNull();
        assertThat(intake.admit(TOPIC, 0, 21, "{\"payload\":{\"id\":2}}", event(2, 501))).isNotNull();
        assertThat(intake.admit(TOPIC, 0, 22, "{\"payload\":{\"id\":2}}", event(2, 501))).as("replayed in this run").isNull();
        assertThat(intake.admit(TOPIC, 0, 23, "{\"payload\":{\"id\":2}}", event(2, 502))).as("a later change of the row").isNotNull();
    }

    @Test
    void shouldSkipTombstones() {
        assertThat(intake.admit(TOPIC, 0, 30, "{\"payload\":{\"id\":2}}", null)).isNull();
    }

    private static String event(int id, long lsn) {
        return "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"struct\",\"field\":\"after\",\"fields\":["
                + "{\"type\":\"int32\",\"field\":\"id\"}]}]},\"payload\":{\"before\":null,\"after\":{\"id\":" + id
                + "},\"source\":{\"table\":\"klienci\",\"lsn\":" + lsn + ",\"ts_ms\":1741899497088},\"op\":\"c\"}}";
    }
}
