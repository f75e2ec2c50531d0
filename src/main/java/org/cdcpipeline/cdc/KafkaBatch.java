package org.cdcpipeline.cdc;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.debezium.DebeziumConstants;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.support.DefaultMessage;

/**
 * Gathers consecutive change events into one list of Kafka records, in capture order; a delete is followed by its
 * tombstone (same key, no value). camel-kafka sends such a list record by record, in order.
 */
public final class KafkaBatch implements AggregationStrategy {

    /** Exchange property: the number of change events in the batch (tombstones not counted). */
    public static final String EVENTS = "cdcEvents";
    /** Exchange property: change events in the batch per topic. */
    public static final String TOPICS = "cdcTopics";

    @Override
    @SuppressWarnings("unchecked")
    public Exchange aggregate(Exchange batch, Exchange event) {
        Message in = event.getIn();
        Object key = in.getHeader(KafkaConstants.KEY);
        String topic = in.getHeader(KafkaConstants.OVERRIDE_TOPIC, String.class);
        Exchange result = batch == null ? event : batch;
        List<Message> records = batch == null ? new ArrayList<>() : batch.getIn().getBody(List.class);
        Map<String, Integer> perTopic = batch == null ? new TreeMap<>() : batch.getProperty(TOPICS, Map.class);
        // only what Kafka needs: a record waits in memory until Kafka has it, and a dead letter reads the rest from
        // the event itself
        records.add(record(event, topic, key, in.getBody()));
        if ("d".equals(in.getHeader(DebeziumConstants.HEADER_OPERATION))) {
            records.add(record(event, topic, key, null));
        }
        perTopic.merge(topic, 1, Integer::sum);
        if (batch == null) {
            // every record carries its own topic and key
            result.getIn().removeHeader(KafkaConstants.KEY);
            result.getIn().removeHeader(KafkaConstants.OVERRIDE_TOPIC);
        }
        result.setProperty(EVENTS, result.getProperty(EVENTS, 0, Integer.class) + 1);
        result.setProperty(TOPICS, perTopic);
        result.getIn().setBody(records);
        return result;
    }

    private static Message record(Exchange exchange, String topic, Object key, Object value) {
        Message record = new DefaultMessage(exchange.getContext());
        record.setHeader(KafkaConstants.OVERRIDE_TOPIC, topic);
        // kept for a dead letter: camel-kafka removes the override once it has used it (Camel* headers stay local)
        record.setHeader(DebeziumConstants.HEADER_IDENTIFIER, topic);
        record.setHeader(KafkaConstants.KEY, key);
        record.setBody(value);
        return record;
    }
}
