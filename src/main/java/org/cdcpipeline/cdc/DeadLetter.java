package org.cdcpipeline.cdc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.component.debezium.DebeziumConstants;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.support.DefaultMessage;

/**
 * A change event that could not be published, as a JSON document a person can read and replay: where it came from
 * (topic, table, LSN, operation, full key), its size, the error, and the event itself.
 */
public final class DeadLetter implements Processor {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_EVENT_CHARS = 64 * 1024;
    private final String topic;

    public DeadLetter(String topic) {
        this.topic = topic;
    }

    /**
     * Replaces the body with dead letters: one per change event of a batch, or one for a single record (an event that
     * failed before it was batched, or one record of a batch that Kafka refused). Sets {@link KafkaBatch#EVENTS} to
     * the number of change events concerned.
     */
    @Override
    public void process(Exchange exchange) throws JsonProcessingException {
        Message in = exchange.getIn();
        Throwable error = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        if (in.getBody() instanceof List<?> batch) {
            List<Message> letters = new ArrayList<>();
            for (Object item : batch) {
                Message record = (Message) item;
                if (record.getBody() == null) {
                    continue; // a tombstone: its delete event carries the story
                }
                Message dead = new DefaultMessage(exchange.getContext());
                address(dead, record, letter(record, error));
                letters.add(dead);
            }
            in.setBody(letters);
            return;
        }
        exchange.setProperty(KafkaBatch.EVENTS, 1);
        address(in, in, letter(in, error));
    }

    /**
     * The letter of one change event: its topic, table, LSN, transaction, operation, full key, size in bytes and the
     * error, and the event itself (cut at 64 KiB).
     */
    private static String letter(Message record, Throwable error) throws JsonProcessingException {
        Object event = record.getBody();
        String text = event instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : String.valueOf(event);
        Map<String, Object> letter = new LinkedHashMap<>();
        letter.put("topic", record.getHeader(DebeziumConstants.HEADER_IDENTIFIER, String.class));
        letter.putAll(origin(record, event));
        letter.put("key", String.valueOf(key(record)));
        letter.put("size", event instanceof byte[] bytes ? bytes.length : text.getBytes(StandardCharsets.UTF_8).length);
        letter.put("error", describe(error));
        letter.put("event", bounded(text));
        return JSON.writeValueAsString(letter);
    }

    /**
     * The event's table, LSN, transaction and operation: from the headers camel-debezium sets on an event not yet
     * batched, else (a batched event keeps only what Kafka needs) from the envelope's own payload.
     */
    private static Map<String, Object> origin(Message record, Object event) {
        Map<String, Object> origin = new LinkedHashMap<>();
        Map<?, ?> source = record.getHeader(DebeziumConstants.HEADER_SOURCE_METADATA, Map.class);
        if (source != null) {
            origin.put("table", source.get("schema") + "." + source.get("table"));
            origin.put("lsn", source.get("lsn"));
            origin.put("txId", source.get("txId"));
            origin.put("op", record.getHeader(DebeziumConstants.HEADER_OPERATION, String.class));
            return origin;
        }
        JsonNode payload = MissingNode.getInstance();
        if (event instanceof byte[] bytes) {
            try {
                payload = JSON.readTree(bytes).path("payload");
            } catch (IOException notJson) {
                // the letter still carries the event's text and the error
            }
        }
        JsonNode from = payload.path("source");
        origin.put("table", from.isObject() ? from.path("schema").asText() + "." + from.path("table").asText() : null);
        origin.put("lsn", from.path("lsn").isIntegralNumber() ? from.get("lsn").longValue() : null);
        origin.put("txId", from.path("txId").isIntegralNumber() ? from.get("txId").longValue() : null);
        origin.put("op", payload.path("op").textValue());
        return origin;
    }

    private void address(Message dead, Message record, String letter) {
        Object key = key(record);
        dead.setBody(letter);
        dead.setHeader(KafkaConstants.OVERRIDE_TOPIC, topic);
        dead.setHeader(KafkaConstants.KEY, key == null ? null : String.valueOf(key));
    }

    private static Object key(Message record) {
        Object key = record.getHeader(KafkaConstants.KEY);
        return key != null ? key : record.getHeader(DebeziumConstants.HEADER_KEY);
    }

    /** A letter must fit where the event did not (an event can fail for its size): the event is cut at 64 KiB. */
    private static String bounded(String event) {
        return event.length() <= MAX_EVENT_CHARS ? event
                : event.substring(0, MAX_EVENT_CHARS) + "... (" + event.length() + " characters, cut)";
    }

    private static String describe(Throwable error) {
        return error == null ? null : error.getClass().getName() + ": " + error.getMessage();
    }
}
