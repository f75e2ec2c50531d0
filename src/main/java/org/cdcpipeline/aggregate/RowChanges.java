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

    /** Exchange property of a record: how the aggregates of its table read it ({@link Reading}). */
    private static final String READING = "aggregateRecordReading";

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
            Reading reading = Reading.of(record);
            Long applied = appliedBefore.get(reading.topicPartition);
            if (applied != null && reading.offset <= applied || !topics.contains(reading.topic)) {
                continue;
            }
            RowChange change;
            try {
                change = read(reading);
            } catch (UnusableChangeException e) {
                Message unusable = record.getMessage().copy();
                unusable.setHeader(UNUSABLE, e.getMessage());
                unusable.setBody(ChangeEventDecoder.bytesOf(reading.value));
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

    /** @see #read(Reading) */
    RowChange read(byte[] key, ByteBuffer value, String topic, int partition, long offset) {
        return read(new Reading(topic, partition, offset, key, value));
    }

    /** A tombstone (null value) reads as the delete it follows, without commit time or LSN of its own. */
    private RowChange read(Reading record) {
        String topic = record.topic;
        int partition = record.partition;
        long offset = record.offset;
        boolean joined = join != null && join.topic().equals(topic);
        String rowKey = joined ? JOINED_ROW + joinedKey(keyPayload(record), record.at()) : keyText(record);
        if (record.value == null) {
            return new RowChange(rowKey, null, null, true, false, topic, partition, offset, 0, null);
        }
        ChangeEvent event = decode(record);
        Long sourceTsMs = event.sourceTsMs();
        if (event.op() == null || sourceTsMs == null) {
            throw new UnusableChangeException("Not a change event envelope at " + record.at());
        }
        if (event.deleted()) {
            return new RowChange(rowKey, null, null, true, false, topic, partition, offset, sourceTsMs, event.lsn());
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
        return new RowChange(rowKey, group, number, false, event.created(), topic, partition, offset, sourceTsMs,
                event.lsn());
    }

    /** The primary key of a joined table's row, as the text its rows' join column holds it in. */
    private static String joinedKey(JsonNode payload, String at) {
        if (payload.size() != 1 || !payload.elements().next().isValueNode()) {
            throw new UnusableChangeException("Change event key " + payload + " at " + at
                    + ": a joined table needs a primary key of one column");
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

    private ChangeEvent decode(Reading record) {
        if (record.event == null) {
            try {
                record.event = decoder.decode(record.value);
            } catch (ChangeEventFormatException e) {
                throw new UnusableChangeException("Unreadable change event at " + record.at() + ": " + e.getMessage(), e);
            }
        }
        return record.event;
    }

    private JsonNode keyPayload(Reading record) {
        if (record.keyPayload == null) {
            if (record.key == null) {
                throw new UnusableChangeException("Change event without a key at " + record.at()
                        + ": aggregates need the row's primary key");
            }
            JsonNode payload;
            try {
                payload = decoder.keyPayload(record.key);
            } catch (ChangeEventFormatException e) {
                throw new UnusableChangeException("Unreadable change event at " + record.at() + ": " + e.getMessage(), e);
            }
            if (payload == null) {
                throw new UnusableChangeException("Change event key without payload at " + record.at());
            }
            record.keyPayload = payload;
        }
        return record.keyPayload;
    }

    /** The row key of a row of the aggregate's own table: its key's payload as JSON text. */
    private String keyText(Reading record) {
        if (record.keyText == null) {
            record.keyText = keyPayload(record).toString();
        }
        return record.keyText;
    }

    /**
     * A record as the aggregates of its table read it, kept on its exchange: its headers, read from camel-kafka's
     * case-insensitive map once, and its key and value decoded once, by the first aggregate that needs each. The
     * aggregates of a table read a poll one after the other, on its consumer's thread.
     */
    private static final class Reading {

        final String topic;
        final int partition;
        final long offset;
        final byte[] key;
        final ByteBuffer value;
        /** "topic/partition", as {@link #appliedBefore} is keyed. */
        final String topicPartition;
        JsonNode keyPayload;
        String keyText;
        ChangeEvent event;

        Reading(String topic, int partition, long offset, byte[] key, ByteBuffer value) {
            this.topic = topic;
            this.partition = partition;
            this.offset = offset;
            this.key = key;
            this.value = value;
            this.topicPartition = topic + "/" + partition;
        }

        static Reading of(Exchange record) {
            Reading reading = record.getProperty(READING, Reading.class);
            if (reading == null) {
                Message message = record.getMessage();
                reading = new Reading(message.getHeader(KafkaConstants.TOPIC, String.class),
                        message.getHeader(KafkaConstants.PARTITION, Integer.class),
                        message.getHeader(KafkaConstants.OFFSET, Long.class),
                        message.getHeader(KafkaConstants.KEY, byte[].class), message.getBody(ByteBuffer.class));
                record.setProperty(READING, reading);
            }
            return reading;
        }

        /** Where the record is, for messages: topic/partition@offset. */
        String at() {
            return topicPartition + "@" + offset;
        }
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
