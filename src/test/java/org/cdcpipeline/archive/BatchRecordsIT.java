package org.cdcpipeline.archive;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.cdcpipeline.TestServices;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A batch that cannot be written goes to the dead-letter topic as its records are in Kafka, read back from there. */
class BatchRecordsIT {

    @Test
    void shouldGiveTheRecordsOfAFailedBatchAsTheyAreInKafkaWithWhyAndWhereFrom() throws Exception {
        String bootstrap = TestServices.endpoints().get("kafka.bootstrap-servers");
        String topic = "p.s.letters_" + UUID.randomUUID().toString().replace("-", "");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), new StringSerializer(), new StringSerializer())) {
            for (int id = 0; id < 6; id++) {
                ProducerRecord<String, String> record = new ProducerRecord<>(topic, key(id), id == 2 ? null : event(id));
                record.headers().add("origin", ("capture-" + id).getBytes(StandardCharsets.UTF_8));
                producer.send(record).get();
            }
        }
        ArchiveIntake intake = new ArchiveIntake(new ArchiveObjects() {
            @Override
            public List<String> list(String prefix) {
                return List.of();
            }

            @Override
            public List<String> identities(String key) {
                return List.of();
            }
        }, 1000, new ArchiveStats(true), 1000, Duration.ofMillis(10));
        intake.start();
        intake.getState(topic + "/0");
        ArchiveBatch batch = new ArchiveBatch();
        for (long offset : new long[] {1, 3, 5}) {
            batch.add(intake.admit(topic, 0, offset, key((int) offset).getBytes(StandardCharsets.UTF_8),
                    java.nio.ByteBuffer.wrap(event((int) offset).getBytes(StandardCharsets.UTF_8))));
        }
        ArchiveBatching batching = new ArchiveBatching(intake, new ArchiveStats(true), 3,
                new BatchRecords(bootstrap, Duration.ofSeconds(30)));

        try (CamelContext context = new DefaultCamelContext()) {
            context.start();
            Exchange exchange = new DefaultExchange(context);
            exchange.getIn().setBody(batch);
            assertThat(batching.claim(exchange)).isTrue();
            exchange.setException(new IllegalStateException("cannot encode column x"));

            List<Message> letters = batching.failed(exchange);

            assertThat(letters).extracting(m -> m.getHeader("pipeline.source-offset")).containsExactly(1L, 3L, 5L);
            for (Message letter : letters) {
                long offset = letter.getHeader("pipeline.source-offset", Long.class);
                assertThat(new String(letter.getBody(byte[].class), StandardCharsets.UTF_8)).isEqualTo(event((int) offset));
                assertThat(new String(letter.getHeader(KafkaConstants.KEY, byte[].class), StandardCharsets.UTF_8))
                        .isEqualTo(key((int) offset));
                assertThat(new String(letter.getHeader("origin", byte[].class), StandardCharsets.UTF_8))
                        .isEqualTo("capture-" + offset);
                assertThat(letter.getHeader("pipeline.source-topic")).isEqualTo(topic);
                assertThat(letter.getHeader("pipeline.source-partition")).isEqualTo(0);
                assertThat(letter.getHeader("pipeline.error", String.class)).contains("cannot encode column x");
            }
            assertThat(intake.covered(batch.topicPartition())).as("no object covers a dead-lettered batch").isEqualTo(-1L);
        }
    }

    private static String key(int id) {
        return "{\"payload\":{\"id\":" + id + "}}";
    }

    private static String event(int id) {
        return "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"struct\",\"field\":\"after\",\"fields\":["
                + "{\"type\":\"int32\",\"field\":\"id\"}]}]},\"payload\":{\"before\":null,\"after\":{\"id\":" + id
                + "},\"source\":{\"table\":\"letters\",\"lsn\":" + (900 + id) + ",\"ts_ms\":1741899497088},\"op\":\"c\"}}";
    }
}
