package org.cdcpipeline.aggregate;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.cdcpipeline.change.ChangeEvent;
import org.cdcpipeline.change.ChangeEventDecoder;
import org.cdcpipeline.change.ChangeEventFormatException;
import org.cdcpipeline.change.ConnectField;
import org.cdcpipeline.change.RowImage;

/**
 * Reads a Kafka record of an aggregate's topic (decoded by {@link ChangeEventDecoder}) into the {@link RowChange} the
 * aggregate applies: the row's primary key, its group and its value. A record that cannot be read, or whose group or
 * value the state store could not hold, is an {@link UnusableChangeException}: retrying it cannot help.
 * <p>
 * Every aggregate of a table reads the same poll of one consumer (route template aggregate-topic): the record is
 * decoded by the first of them and the others use that decoding, kept on the record's exchange. A record at or
 * before the offset this aggregate's state already holds (the consumer resumes where the aggregate furthest behind
 * does) is passed over.
 */
public final class RowChanges {

    /**
     * Marks the row key of a joined table's row: its primary key's value after this prefix (the aggregate's own rows
     * are keyed by their key's JSON, which begins with a brace); the state keeps it apart ({@link AggregateStore}).
     */
    public static final String JOINED_ROW = "join:";

    /** The header of a record an aggregate cannot use: why. */
    public static final String UNUSABLE = "pipeline.error";

    /** Exchange properties of a record: its value and key decoded once for all the aggregates of its table. */
    private static final String DECODED_VALUE = "aggregateDecodedValue";
    private static final String DECODED_KEY = "aggregateDecodedKey";

    /** PostgreSQL's numeric: at most this many digits before and after the decimal point */
    private static final int NUMERIC_INTEGER_DIGITS = 131072;
    private static final int NUMERIC_FRACTION_DIGITS = 16383;

    private final ChangeEventDecoder decoder = new ChangeEventDecoder();
    private final String groupColumn;
    private final String valueColumn;
    private final Bucket bucket;
    private final boolean quality;
    private final boolean mirror;
    private final AggregateDefinition.Join join;
    private final List<String> topics;
    /** Per topic-partition ("topic/partition"), the last offset the state held when the partition was assigned. */
    private final Map<String, Long> appliedBefore = new ConcurrentHashMap<>();

    public RowChanges(AggregateDefinition definition) {
        this.groupColumn = definition.groupBy();
        this.valueColumn = definition.valueColumn();
        this.bucket = definition.bucket();
        this.quality = definition.function() == AggregateFunction.QUALITY;
        this.mirror = definition.function() == AggregateFunction.MIRROR;
        this.join = definition.join();
        this.topics = definition.topics();
    }

    /**
     * The partition of one of the aggregate's topics is assigned: its records up to {@code lastApplied} (null: none)
     * are in the state already, and are passed over.
     */
    public void resumeAfter(String topic, int partition, Long lastApplied) {
        String key = topic + "/" + partition;
        if (lastApplied == null) {
            appliedBefore.remove(key);
        } else {
            appliedBefore.put(key, lastApplied);
        }
    }

    /**
     * A poll's records (camel-kafka's batch: one exchange per record) in order, as runs of changes ({@code
     * List<RowChange>}) and, in its place between them, each record that cannot be used: a copy of its message as
     * read, with why in header {@link #UNUSABLE} (the record itself is left as it is for the table's other
     * aggregates). Records the state holds already are left out, and records of topics the aggregate does not read.
     */
    public List<Object> readAll(List<Exchange> records) {
        List<Object> items = new ArrayList<>();
        List<RowChange> run = null;
        for (Exchange record : records) {
            Message message = record.getMessage();
            String topic = message.getHeader(KafkaConstants.TOPIC, String.class);
            int partition = message.getHeader(KafkaConstants.PARTITION, Integer.class);
            long offset = message.getHeader(KafkaConstants.OFFSET, Long.class);
            Long applied = appliedBefore.get(topic + "/" + partition);
            if (applied != null && offset <= applied || !topics.contains(topic)) {
                continue;
            }
            RowChange change;
            try {
                change = read(record, message.getHeader(KafkaConstants.KEY, byte[].class),
                        message.getBody(ByteBuffer.class), topic, partition, offset);
            } catch (UnusableChangeException e) {
                Message unusable = message.copy();
                unusable.setHeader(UNUSABLE, e.getMessage());
                unusable.setBody(ChangeEventDecoder.bytesOf(message.getBody(ByteBuffer.class)));
                items.add(unusable);
                run = null;
                continue;
            }
            if (run == null) {
                run = new ArrayList<>();
                items.add(run);
            }
            run.add(change);
        }
        return items;
    }

    /** @see #read(Exchange, byte[], ByteBuffer, String, int, long) */
    RowChange read(byte[] key, ByteBuffer value, String topic, int partition, long offset) {
        return read(null, key, value, topic, partition, offset);
    }

    /**
     * A tombstone (null value) reads as the delete it follows, without commit time or LSN of its own.
     *
     * @param record the record's exchange, which keeps its decoding for the table's other aggregates; null for none
     */
    RowChange read(Exchange record, byte[] key, ByteBuffer value, String topic, int partition, long offset) {
        boolean joined = join != null && join.topic().equals(topic);
        JsonNode keyPayload = keyPayload(record, key, topic, partition, offset);
        String rowKey = joined ? JOINED_ROW + joinedKey(keyPayload, topic, partition, offset) : keyPayload.toString();
        if (value == null) {
            return new RowChange(rowKey, null, null, true, topic, partition, offset, 0, null);
        }
        ChangeEvent event = decode(record, value, topic, partition, offset);
        Long sourceTsMs = event.sourceTsMs();
        if (event.op() == null || sourceTsMs == null) {
            throw new UnusableChangeException("Not a change event envelope at " + topic + "/" + partition + "@" + offset);
        }
        if (event.deleted()) {
            return new RowChange(rowKey, null, null, true, topic, partition, offset, sourceTsMs, event.lsn());
        }
        RowImage after = event.after();
        String group;
        if (quality) {
            group = QualityFigures.pattern(after);
        } else if (mirror) {
            group = image(after, topic);
        } else if (join != null && !joined) {
            // a row of the aggregate's own table: its group is the joined row it points to, looked up in the snapshot
            JsonNode on = column(after, join.on(), topic);
            group = on.isNull() ? null : sqlText(on, after.field(join.on()));
        } else {
            group = group(column(after, groupColumn, topic), after.field(groupColumn), topic);
        }
        BigDecimal number = valueColumn.isEmpty() || joined ? null : number(after, valueColumn, topic);
        return new RowChange(rowKey, group, number, false, topic, partition, offset, sourceTsMs, event.lsn());
    }

    /** The primary key of a joined table's row, as the text its rows' join column holds it in. */
    private static String joinedKey(JsonNode payload, String topic, int partition, long offset) {
        if (payload.size() != 1 || !payload.elements().next().isValueNode()) {
            throw new UnusableChangeException("Change event key " + payload + " at " + topic + "/" + partition + "@"
                    + offset + ": a joined table needs a primary key of one column");
        }
        return payload.elements().next().asText();
    }

    /**
     * A group is a scalar that PostgreSQL's text can hold (no NUL character), kept as the text SQL writes it in: a
     * numeric as a plain number, a date as 2024-03-17, a timestamp as 2024-03-17T10:15:30 (so the snapshot writes it
     * back as its column's type; see {@link ColumnType#parse}), then put in the definition's bucket.
     */
    private String group(JsonNode value, ConnectField field, String topic) {
        if (value.isNull()) {
            return null;
        }
        if (!value.isValueNode() || value.isBinary()) {
            throw new UnusableChangeException("Column '" + groupColumn + "' of " + topic + " holds " + value.getNodeType()
                    + ", which cannot be a group");
        }
        String text;
        try {
            text = bucket.of(sqlText(value, field));
        } catch (IllegalArgumentException e) {
            throw new UnusableChangeException("Column '" + groupColumn + "' of " + topic + ": " + e.getMessage()
                    + ": fix the aggregate's definition", e);
        }
        if (text.indexOf('\0') >= 0) {
            throw new UnusableChangeException("Column '" + groupColumn + "' of " + topic + " holds a NUL character, which "
                    + "PostgreSQL's text cannot store");
        }
        return text;
    }

    /**
     * A mirror's row: a JSON object of every column, in the table's order, each value in the text form of its SQL type
     * (as a group is kept; {@link MirrorSnapshot} writes it back typed), NULL as null.
     */
    private static String image(RowImage row, String topic) {
        ObjectNode image = JsonNodeFactory.instance.objectNode();
        for (String column : row.columnNames()) {
            JsonNode value = row.value(column);
            if (value == null || value.isNull()) {
                image.putNull(column);
            } else if (!value.isValueNode()) {
                image.put(column, value.toString());
            } else {
                image.put(column, sqlText(value, row.field(column)));
            }
        }
        String text = image.toString();
        if (text.indexOf('\0') >= 0) {
            throw new UnusableChangeException("A row of " + topic + " holds a NUL character, which PostgreSQL's text "
                    + "cannot store");
        }
        return text;
    }

    /** A value in the text form of its SQL type, from the form Debezium's JSON gives it. */
    private static String sqlText(JsonNode value, ConnectField field) {
        String semantic = field == null ? "" : field.semanticName();
        return switch (semantic) {
            case ConnectField.DECIMAL -> field.decimal(value).toPlainString();
            case "io.debezium.time.Date" -> LocalDate.ofEpochDay(value.asLong()).toString();
            case "io.debezium.time.Timestamp" -> LocalDateTime.ofEpochSecond(0, 0, ZoneOffset.UTC)
                    .plus(value.asLong(), ChronoUnit.MILLIS).toString();
            case "io.debezium.time.MicroTimestamp" -> LocalDateTime.ofEpochSecond(0, 0, ZoneOffset.UTC)
                    .plus(value.asLong(), ChronoUnit.MICROS).toString();
            case "io.debezium.time.NanoTimestamp" -> LocalDateTime.ofEpochSecond(0, 0, ZoneOffset.UTC)
                    .plus(value.asLong(), ChronoUnit.NANOS).toString();
            case "io.debezium.time.Time" -> LocalTime.ofNanoOfDay(value.asLong() * 1_000_000L).toString();
            case "io.debezium.time.MicroTime" -> LocalTime.ofNanoOfDay(value.asLong() * 1_000L).toString();
            case "io.debezium.time.NanoTime" -> LocalTime.ofNanoOfDay(value.asLong()).toString();
            default -> value.asText();
        };
    }

    private ChangeEvent decode(Exchange record, ByteBuffer value, String topic, int partition, long offset) {
        ChangeEvent decoded = record == null ? null : record.getProperty(DECODED_VALUE, ChangeEvent.class);
        if (decoded != null) {
            return decoded;
        }
        try {
            decoded = decoder.decode(value);
        } catch (ChangeEventFormatException e) {
            throw new UnusableChangeException("Unreadable change event at " + topic + "/" + partition + "@" + offset
                    + ": " + e.getMessage(), e);
        }
        if (record != null) {
            record.setProperty(DECODED_VALUE, decoded);
        }
        return decoded;
    }

    private JsonNode keyPayload(Exchange record, byte[] key, String topic, int partition, long offset) {
        JsonNode decoded = record == null ? null : record.getProperty(DECODED_KEY, JsonNode.class);
        if (decoded != null) {
            return decoded;
        }
        if (key == null) {
            throw new UnusableChangeException("Change event without a key at " + topic + "/" + partition + "@" + offset
                    + ": aggregates need the row's primary key");
        }
        JsonNode payload;
        try {
            payload = decoder.keyPayload(key);
        } catch (ChangeEventFormatException e) {
            throw new UnusableChangeException("Unreadable change event at " + topic + "/" + partition + "@" + offset
                    + ": " + e.getMessage(), e);
        }
        if (payload == null) {
            throw new UnusableChangeException("Change event key without payload at " + topic + "/" + partition + "@" + offset);
        }
        if (record != null) {
            record.setProperty(DECODED_KEY, payload);
        }
        return payload;
    }

    private static JsonNode column(RowImage row, String column, String topic) {
        JsonNode value = row.value(column);
        if (value == null) {
            throw new UnusableChangeException("Topic " + topic + " has no column '" + column + "' (columns: "
                    + row.columnNames() + "): fix the aggregate's definition");
        }
        return value;
    }

    private static BigDecimal number(RowImage row, String column, String topic) {
        JsonNode value = column(row, column, topic);
        if (value.isNull()) {
            return null;
        }
        if (value.isNumber()) {
            try {
                return storable(value.decimalValue(), column, topic);
            } catch (NumberFormatException e) {
                // a JSON number beyond a double's range reads as Infinity
                throw new UnusableChangeException("Column '" + column + "' of " + topic + " holds " + value
                        + ", which PostgreSQL's numeric cannot store", e);
            }
        }
        ConnectField field = row.field(column);
        if (value.isTextual() && field != null && field.isDecimal()) {
            try {
                return storable(field.decimal(value), column, topic);
            } catch (IllegalArgumentException e) {
                throw new UnusableChangeException("Column '" + column + "' of " + topic + " is no Decimal: " + e.getMessage(), e);
            }
        }
        throw new UnusableChangeException("Column '" + column + "' of " + topic + " holds " + value.getNodeType()
                + ", not a number: sum, avg, min and max need a numeric column");
    }

    private static BigDecimal storable(BigDecimal number, String column, String topic) {
        if (number.precision() - number.scale() > NUMERIC_INTEGER_DIGITS || number.scale() > NUMERIC_FRACTION_DIGITS) {
            throw new UnusableChangeException("Column '" + column + "' of " + topic + " holds a number beyond what "
                    + "PostgreSQL's numeric can store");
        }
        return number;
    }
}
