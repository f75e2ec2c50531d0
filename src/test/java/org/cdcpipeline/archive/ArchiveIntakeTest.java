package org.cdcpipeline.archive;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
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
            return key.endsWith("-10-19.parquet") ? List.of("{\"id\":1}|500") : List.of();
        }
    };

    private final ArchiveIntake intake = new ArchiveIntake(objects, 1000, new ArchiveStats(true), 1000,
            Duration.ofMillis(10));

    ArchiveIntakeTest() {
        intake.start();
    }

    @Test
    void shouldResumeEachPartitionAfterWhatItsObjectsCover() {
        assertThat(intake.getState(TOPIC + "/0")).isEqualTo("19");
        assertThat(intake.getState(TOPIC + "/1")).isEqualTo("99");
        assertThat(intake.getState(TOPIC + "/2")).as("no object: from the start").isEqualTo("-1");
    }

    @Test
    void shouldCoverTheRecordsBeforeABatchsFirstChangeSoObjectsAreContiguous() throws Exception {
        intake.getState(TOPIC + "/0");
        assertThat(admit(TOPIC, 0, 20, "{\"payload\":{\"id\":3}}", null)).as("tombstone").isNull();
        AdmittedChange first = admit(TOPIC, 0, 21, "{\"payload\":{\"id\":3}}", event(3, 900));
        AdmittedChange second = admit(TOPIC, 0, 22, "{\"payload\":{\"id\":4}}", event(4, 901));
        assertThat(first.coverFrom()).isEqualTo(20);
        assertThat(second.coverFrom()).isEqualTo(22);
        assertThat(second.batchKey()).isEqualTo(first.batchKey());
    }

    @Test
    void shouldDropABatchOfAPartitionRevokedBeforeItIsWritten() throws Exception {
        intake.getState(TOPIC + "/0");
        ArchiveBatch batch = new ArchiveBatch();
        batch.add(admit(TOPIC, 0, 20, "{\"payload\":{\"id\":3}}", event(3, 900)));
        intake.revoked(List.of(new TopicPartition(TOPIC, 0)));
        assertThat(intake.claim(batch)).isFalse();
        // assigned again: resumes from the bucket, in a new batch
        assertThat(intake.getState(TOPIC + "/0")).isEqualTo("19");
        AdmittedChange again = admit(TOPIC, 0, 20, "{\"payload\":{\"id\":3}}", event(3, 900));
        assertThat(again).as("not taken for a replay of the dropped batch").isNotNull();
        assertThat(again.batchKey()).isNotEqualTo(batch.admitted().get(0).batchKey());
    }

    @Test
    void shouldWaitForTheUploadInProgressBeforeGivingAPartitionUp() throws Exception {
        intake.getState(TOPIC + "/0");
        ArchiveBatch batch = new ArchiveBatch();
        batch.add(admit(TOPIC, 0, 20, "{\"payload\":{\"id\":3}}", event(3, 900)));
        assertThat(intake.claim(batch)).isTrue();
        Thread revoke = new Thread(() -> intake.revoked(List.of(new TopicPartition(TOPIC, 0))));
        revoke.start();
        revoke.join(300);
        assertThat(revoke.isAlive()).as("revocation waits while the object is uploaded").isTrue();
        intake.finished(batch, true, true);
        revoke.join(5000);
        assertThat(revoke.isAlive()).isFalse();
    }

    @Test
    void shouldNeverWriteOverAnObjectBeyondAGap() throws Exception {
        keys.add("raw-kafka-data/table=klienci/date=2025-03-14/p.s.klienci-0-30-39.parquet");
        assertThat(intake.getState(TOPIC + "/0")).isEqualTo("19");
        AdmittedChange before = admit(TOPIC, 0, 25, "{\"payload\":{\"id\":3}}", event(3, 900));
        assertThat(admit(TOPIC, 0, 30, "{\"payload\":{\"id\":4}}", event(4, 901))).isNull();
        AdmittedChange after = admit(TOPIC, 0, 40, "{\"payload\":{\"id\":5}}", event(5, 902));
        assertThat(before.coverFrom()).isEqualTo(20);
        assertThat(after.coverFrom()).isEqualTo(40);
        assertThat(after.batchKey()).as("a new batch after the object").isNotEqualTo(before.batchKey());
    }

    @Test
    void shouldRefuseARecordThatIsNotAChangeEvent() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> admit(TOPIC, 0, 20, "{}", "not json"))
                .isInstanceOf(UnreadableChangeException.class).hasMessageContaining("p.s.klienci-0@20");
    }

    @Test
    void shouldSkipRecordsAlreadyInAnObjectOfTheirPartitionOnly() throws Exception {
        assertThat(admit(TOPIC, 0, 19, "{\"payload\":{\"id\":3}}", event(3, 900))).isNull();
        assertThat(admit(TOPIC, 0, 20, "{\"payload\":{\"id\":3}}", event(3, 900))).isNotNull();
        assertThat(admit(TOPIC, 1, 99, "{\"payload\":{\"id\":4}}", event(4, 901))).isNull();
        assertThat(admit(TOPIC, 1, 100, "{\"payload\":{\"id\":4}}", event(4, 901))).isNotNull();
    }

    @Test
    void shouldSkipAChangeReplayedWithTheSameKeyAndLsnAlsoWhenTheOriginalIsInAnEarlierObject() throws Exception {
        assertThat(admit(TOPIC, 0, 20, "{\"payload\":{\"id\":1}}", event(1, 500))).as("archived before a restart").isNull();
        assertThat(admit(TOPIC, 0, 21, "{\"payload\":{\"id\":2}}", event(2, 501))).isNotNull();
        assertThat(admit(TOPIC, 0, 22, "{\"payload\":{\"id\":2}}", event(2, 501))).as("replayed in this run").isNull();
        assertThat(admit(TOPIC, 0, 23, "{\"payload\":{\"id\":2}}", event(2, 502))).as("a later change of the row").isNotNull();
    }

    @Test
    void shouldSkipTombstones() throws Exception {
        assertThat(admit(TOPIC, 0, 30, "{\"payload\":{\"id\":2}}", null)).isNull();
    }

    @Test
    void shouldTurnAPollIntoRunsOfOneBatchEachAndUnreadableRecordsInOrder() throws Exception {
        intake.getState(TOPIC + "/0");
        List<Object> admitted = intake.admitAll(List.of(
                record(0, 20, event(3, 900)), record(0, 21, null), record(0, 22, event(4, 901)),
                record(0, 23, "not json"), record(0, 24, event(5, 902)), record(1, 100, event(6, 903))));
        assertThat(admitted).hasSize(4);
        ArchiveBatch first = (ArchiveBatch) admitted.get(0);
        assertThat(first.admitted()).extracting(c -> c.change().offset()).containsExactly(20L, 22L);
        assertThat(first.firstOffset()).isEqualTo(20);
        Message unreadable = (Message) admitted.get(1);
        assertThat(unreadable.getHeader(KafkaConstants.OFFSET)).isEqualTo(23L);
        assertThat(unreadable.getHeader(ArchiveIntake.UNREADABLE, String.class)).contains("p.s.klienci-0@23");
        ArchiveBatch after = (ArchiveBatch) admitted.get(2);
        assertThat(after.firstOffset()).as("the dead letter's offset is covered by the object after it").isEqualTo(23);
        assertThat(after.batchKey()).isEqualTo(first.batchKey());
        assertThat(((ArchiveBatch) admitted.get(3)).topicPartition()).isEqualTo(new TopicPartition(TOPIC, 1));
    }

    @Test
    void shouldLeaveOutRecordsPolledBeforeTheirPartitionsLatestAssignmentOrAfterItWasRevoked() throws Exception {
        AssignmentTagging tagging = new AssignmentTagging();
        AssignmentTagging.rebalanced();
        intake.getState(TOPIC + "/0");
        List<Exchange> beforeSeek = tagged(tagging, record(0, 40, event(7, 910)), record(0, 41, event(8, 911)));
        // a rebalance in the next poll assigns the partition again and seeks it back to the bucket's end
        AssignmentTagging.rebalanced();
        assertThat(intake.getState(TOPIC + "/0")).isEqualTo("19");
        List<Exchange> afterSeek = tagged(tagging, record(0, 20, event(3, 900)), record(0, 21, event(4, 901)));
        List<Exchange> handedOver = new ArrayList<>(beforeSeek);
        handedOver.addAll(afterSeek);
        List<Object> admitted = intake.admitAll(handedOver);
        assertThat(admitted).hasSize(1);
        assertThat(((ArchiveBatch) admitted.get(0)).admitted()).extracting(c -> c.change().offset())
                .as("the records polled before the seek would have left a gap at 20-39").containsExactly(20L, 21L);

        List<Exchange> beforeRevocation = tagged(tagging, record(0, 22, event(9, 912)));
        AssignmentTagging.rebalanced();
        intake.revoked(List.of(new TopicPartition(TOPIC, 0)));
        assertThat(intake.admitAll(beforeRevocation)).as("the partition is another consumer's now").isEmpty();
    }

    @Test
    void shouldWaitBeforeAPollWhileCapacityChangesAreHeldInBatchesAndGoOnOnceOneIsFinishedWith() throws Exception {
        intake.getState(TOPIC + "/0");
        ArchiveBatch run = new ArchiveBatch();
        run.add(admit(TOPIC, 0, 20, "{\"payload\":{\"id\":3}}", event(3, 900)));
        assertThat(intake.admitAll(List.of())).as("admitted, not yet in a batch: nothing held").isEmpty();
        intake.held(1000);
        Thread poll = new Thread(() -> {
            try {
                intake.admitAll(List.of());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        poll.start();
        poll.join(300);
        assertThat(poll.isAlive()).as("1,000 changes held: the next poll waits").isTrue();
        intake.dropped(run);
        poll.join(5000);
        assertThat(poll.isAlive()).isFalse();
    }

    /** {@link ArchiveIntake#admit} of a record whose key and value are given as text. */
    private AdmittedChange admit(String topic, int partition, long offset, String key, String value) {
        return intake.admit(topic, partition, offset, utf8(key), buffer(value));
    }

    /** A record value as the consumer hands it over (ByteBufferDeserializer). */
    private static java.nio.ByteBuffer buffer(String text) {
        return text == null ? null : java.nio.ByteBuffer.wrap(utf8(text));
    }

    private static byte[] utf8(String text) {
        return text == null ? null : text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static List<Exchange> tagged(AssignmentTagging tagging, Exchange... records) {
        List<ConsumerRecord<Object, Object>> polled = new ArrayList<>();
        for (Exchange record : records) {
            polled.add(new ConsumerRecord<>(TOPIC, 0, 0, null, null));
            record.getMessage().setHeader(KafkaConstants.HEADERS, polled.get(polled.size() - 1).headers());
        }
        tagging.onConsume(new ConsumerRecords<>(java.util.Map.of(new TopicPartition(TOPIC, 0), polled), java.util.Map.of()));
        return List.of(records);
    }

    private static Exchange record(int partition, long offset, String value) {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        Message message = exchange.getMessage();
        message.setHeader(KafkaConstants.TOPIC, TOPIC);
        message.setHeader(KafkaConstants.PARTITION, partition);
        message.setHeader(KafkaConstants.OFFSET, offset);
        message.setHeader(KafkaConstants.KEY, utf8("{\"payload\":{\"id\":" + offset + "}}"));
        message.setHeader(KafkaConstants.HEADERS, new RecordHeaders());
        message.setBody(buffer(value));
        return exchange;
    }

    private static String event(int id, long lsn) {
        return "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"struct\",\"field\":\"after\",\"fields\":["
                + "{\"type\":\"int32\",\"field\":\"id\"}]}]},\"payload\":{\"before\":null,\"after\":{\"id\":" + id
                + "},\"source\":{\"table\":\"klienci\",\"lsn\":" + lsn + ",\"ts_ms\":1741899497088},\"op\":\"c\"}}";
    }
}
