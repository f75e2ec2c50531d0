package org.cdcpipeline.aggregate;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;

import org.apache.kafka.connect.data.Struct;
import org.cdcpipeline.change.ProjectEvents;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.cdcpipeline.change.ProjectEvents.LSN;
import static org.cdcpipeline.change.ProjectEvents.TOPIC;
import static org.cdcpipeline.change.ProjectEvents.TS_MS;
import static org.cdcpipeline.change.ProjectEvents.row;

class RowChangesTest {

    private static final byte[] KEY = "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,\"field\":\"id\"}],\"optional\":false},\"payload\":{\"id\":7}}"
            .getBytes(StandardCharsets.UTF_8);

    private static RowChanges changes(String groupBy, String value) {
        return new RowChanges(new AggregateDefinition("test", "dbserver1", "public", "projekty", groupBy,
                value.isEmpty() ? "count" : "sum", value, ""));
    }

    @Test
    void shouldReadTheGroupAndTheDecimalValueOfTheRowAfterTheChange() {
        RowChange change = changes("status", "budzet").read(KEY, ByteBuffer.wrap(event("u", row("w_trakcie", "1234.56"))), TOPIC, 0, 42);
        assertThat(change).isEqualTo(new RowChange("{\"id\":7}", "w_trakcie", new BigDecimal("1234.56"), false, false, TOPIC, 0, 42,
                TS_MS, LSN));
    }

    @Test
    void shouldTellAnInsertOrASnapshotReadFromAnUpdate() {
        RowChanges byStatus = changes("status", "budzet");
        assertThat(byStatus.read(KEY, ByteBuffer.wrap(event("c", row("nowy", "1.00"))), TOPIC, 0, 1).created()).isTrue();
        assertThat(byStatus.read(KEY, ByteBuffer.wrap(event("r", row("nowy", "1.00"))), TOPIC, 0, 1).created()).isTrue();
        assertThat(byStatus.read(KEY, ByteBuffer.wrap(event("u", row("nowy", "1.00"))), TOPIC, 0, 1).created()).isFalse();
        assertThat(byStatus.read(KEY, ByteBuffer.wrap(event("d", null)), TOPIC, 0, 1).created()).isFalse();
    }

    @Test
    void shouldReadADeleteAndItsTombstoneAsTheRowGone() {
        RowChange delete = changes("status", "budzet").read(KEY, ByteBuffer.wrap(event("d", null)), TOPIC, 1, 10);
        assertThat(delete.deleted()).isTrue();
        assertThat(delete.group()).isNull();
        RowChange tombstone = changes("status", "budzet").read(KEY, null, TOPIC, 1, 11);
        assertThat(tombstone.deleted()).isTrue();
        assertThat(tombstone.rowKey()).isEqualTo("{\"id\":7}");
        assertThat(tombstone.lsn()).isNull();
    }

    @Test
    void shouldGroupByADecimalAsItsNumberInItsBucket() {
        RowChanges byBudget = new RowChanges(new AggregateDefinition("test", "dbserver1", "public", "projekty", "budzet",
                "count", "", ""));
        assertThat(byBudget.read(KEY, ByteBuffer.wrap(event("c", row("w_trakcie", "1234.56"))), TOPIC, 0, 1).group())
                .as("the number, not JsonConverter's base64 of its digits").isEqualTo("1234.56");
        RowChanges byThousands = new RowChanges(new AggregateDefinition("test", "dbserver1", "public", "projekty", "budzet",
                "count", "", "1000"));
        assertThat(byThousands.read(KEY, ByteBuffer.wrap(event("c", row("w_trakcie", "1234.56"))), TOPIC, 0, 1).group())
                .isEqualTo("1000");
        RowChanges byStatusInTens = new RowChanges(new AggregateDefinition("test", "dbserver1", "public", "projekty",
                "status", "count", "", "10"));
        assertThatThrownBy(() -> byStatusInTens.read(KEY, ByteBuffer.wrap(event("c", row("w_trakcie", "1.00"))), TOPIC, 0, 1))
                .isInstanceOf(UnusableChangeException.class).hasMessageContaining("numeric column")
                .hasMessageContaining("fix the aggregate's definition");
    }

    @Test
    void shouldReadARowsQualityPatternAsItsGroup() {
        RowChanges quality = new RowChanges(new AggregateDefinition("q", "dbserver1", "public", "projekty", "", "quality",
                "", ""));
        assertThat(quality.read(KEY, ByteBuffer.wrap(event("c", row(null, null))), TOPIC, 0, 1).group())
                .isEqualTo("{\"n\":[\"status\",\"budzet\"]}");
        assertThat(quality.read(KEY, ByteBuffer.wrap(event("c", row("", "1.00"))), TOPIC, 0, 2).group())
                .isEqualTo("{\"e\":[\"status\"]}");
        assertThat(quality.read(KEY, ByteBuffer.wrap(event("c", row("w_trakcie", "1.00"))), TOPIC, 0, 3).group())
                .isEqualTo("{}");
        assertThatThrownBy(() -> new AggregateDefinition("q", "dbserver1", "public", "projekty", "status", "quality", "", ""))
                .hasMessageContaining("leave the parameter groupBy out");
    }

    @Test
    void shouldKeepAMirrorsWholeRowWithEachValueAsSqlWritesIt() {
        RowChanges mirror = new RowChanges(new AggregateDefinition("projekty", "dbserver1", "public", "projekty", "",
                "mirror", "", ""));
        RowChange change = mirror.read(KEY, ByteBuffer.wrap(event("u", row("w_trakcie", "1234.50"))), TOPIC, 0, 1);
        assertThat(change.group()).as("the decimal as its number, not base64; NULL as null")
                .isEqualTo("{\"id\":\"7\",\"status\":\"w_trakcie\",\"budzet\":\"1234.50\",\"nazwa\":\"Projekt\"}");
        assertThat(change.value()).isNull();
        assertThat(mirror.read(KEY, ByteBuffer.wrap(event("u", row(null, null))), TOPIC, 0, 2).group())
                .isEqualTo("{\"id\":\"7\",\"status\":null,\"budzet\":null,\"nazwa\":\"Projekt\"}");
        assertThat(mirror.read(KEY, ByteBuffer.wrap(event("d", null)), TOPIC, 0, 2).deleted()).isTrue();
        assertThatThrownBy(() -> new AggregateDefinition("m", "dbserver1", "public", "projekty", "status", "mirror", "", ""))
                .hasMessageContaining("leave the parameter groupBy out");
    }

    @Test
    void shouldKeepANullGroupAsSqlDoes() {
        assertThat(changes("status", "").read(KEY, ByteBuffer.wrap(event("c", row(null, null))), TOPIC, 0, 1).group()).isNull();
    }

    @Test
    void shouldNameTheColumnWhenTheDefinitionDoesNotFitTheTable() {
        assertThatThrownBy(() -> changes("kraj", "").read(KEY, ByteBuffer.wrap(event("c", row("planowany", "1.00"))), TOPIC, 0, 1))
                .hasMessageContaining("no column 'kraj'").hasMessageContaining("status");
        assertThatThrownBy(() -> changes("status", "nazwa").read(KEY, ByteBuffer.wrap(event("c", row("planowany", "1.00"))), TOPIC, 0, 1))
                .hasMessageContaining("'nazwa'").hasMessageContaining("not a number");
    }

    @Test
    void shouldRefuseARecordThatIsNoChangeEventOrHoldsWhatTheStateCannotStore() {
        assertThatThrownBy(() -> changes("status", "").read(KEY, ByteBuffer.wrap("{\"payload\": {\"op\": ".getBytes(StandardCharsets.UTF_8)), TOPIC, 0, 3))
                .isInstanceOf(UnusableChangeException.class).hasMessageContaining(TOPIC + "/0@3");
        assertThatThrownBy(() -> changes("status", "").read(null, ByteBuffer.wrap(event("c", row("planowany", "1.00"))), TOPIC, 0, 4))
                .isInstanceOf(UnusableChangeException.class).hasMessageContaining("without a key");
        assertThatThrownBy(() -> changes("status", "").read(KEY, ByteBuffer.wrap(event("c", row("plan\0owany", "1.00"))), TOPIC, 0, 5))
                .isInstanceOf(UnusableChangeException.class).hasMessageContaining("NUL");
        byte[] huge = new String(event("c", row("planowany", "1.00")), StandardCharsets.UTF_8)
                .replace("\"id\":7", "\"id\":7,\"wiek\":1e200000").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> changes("status", "wiek").read(KEY, ByteBuffer.wrap(huge), TOPIC, 0, 6))
                .isInstanceOf(UnusableChangeException.class).hasMessageContaining("numeric");
        byte[] latin2 = new String(event("c", row("zażółć", "1.00")), StandardCharsets.UTF_8)
                .getBytes(java.nio.charset.Charset.forName("ISO-8859-2"));
        assertThatThrownBy(() -> changes("status", "").read(KEY, ByteBuffer.wrap(latin2), TOPIC, 0, 7))
                .isInstanceOf(UnusableChangeException.class).hasMessageContaining(TOPIC + "/0@7");
    }

    @Test
    void shouldRefuseADefinitionThatCannotWork() {
        assertThatThrownBy(() -> new AggregateDefinition("a", "dbserver1", "public", "projekty", "status", "sum", "", ""))
                .hasMessageContaining("needs a value column");
        assertThatThrownBy(() -> new AggregateDefinition("a", "dbserver1", "public", "projekty", " ", "count", "", ""))
                .hasMessageContaining("groupBy is missing");
        assertThatThrownBy(() -> new AggregateDefinition("a", "dbserver1", "public", "projekty", "status", "median", "budzet", ""))
                .hasMessageContaining("median");
    }

    @Test
    void shouldMarkADeadLetteredRecordAsAPositionOnly() {
        RowChange letter = RowChange.deadLettered(TOPIC, 2, 99).get(0);
        assertThat(letter.changesARow()).isFalse();
        assertThat(letter.offset()).isEqualTo(99);
        assertThat(changes("status", "").read(KEY, null, TOPIC, 2, 100).changesARow()).isTrue();
    }

    @Test
    void shouldReadAPollAsRunsOfChangesWithEachUnusableRecordInItsPlace() {
        CamelContext context = new DefaultCamelContext();
        List<Exchange> poll = List.of(record(context, 10, event("c", row("planowany", "1.00"))),
                record(context, 11, event("u", row("zakonczony", "2.00"))),
                record(context, 12, "not a change event".getBytes(StandardCharsets.UTF_8)),
                record(context, 13, null));

        List<Object> items = changes("status", "budzet").readAll(poll);

        assertThat(items).hasSize(3);
        assertThat((List<?>) items.get(0)).extracting("offset").containsExactly(10L, 11L);
        Message unusable = (Message) items.get(1);
        assertThat(unusable.getHeader(KafkaConstants.OFFSET)).isEqualTo(12L);
        assertThat(unusable.getHeader(RowChanges.UNUSABLE, String.class)).startsWith("Unreadable change event at " + TOPIC + "/0@12");
        assertThat(unusable.getBody(String.class)).isEqualTo("not a change event");
        assertThat((List<?>) items.get(2)).extracting("offset", "deleted").containsExactly(tuple(13L, true));
    }

    @Test
    void shouldShareAPollWithTheTablesOtherAggregatesAndPassOverWhatItsStateHolds() {
        CamelContext context = new DefaultCamelContext();
        List<Exchange> poll = List.of(record(context, 10, event("c", row("planowany", "1.00"))),
                record(context, 11, "not a change event".getBytes(StandardCharsets.UTF_8)),
                record(context, 12, event("u", row("zakonczony", "2.00"))));
        RowChanges byStatus = changes("status", "");
        RowChanges behind = changes("status", "budzet");
        byStatus.resumeAfter(TOPIC, 0, 10L);
        behind.resumeAfter(TOPIC, 0, null);

        List<Object> ahead = byStatus.readAll(poll);
        List<Object> all = behind.readAll(poll);

        // the one whose state holds offset 10 starts after it; the record each cannot use is its own copy
        assertThat(ahead).hasSize(2);
        assertThat(((Message) ahead.get(0)).getHeader(KafkaConstants.OFFSET)).isEqualTo(11L);
        assertThat((List<?>) ahead.get(1)).extracting("offset", "group").containsExactly(tuple(12L, "zakonczony"));
        assertThat(all).hasSize(3);
        assertThat((List<?>) all.get(0)).extracting("offset", "group", "value")
                .containsExactly(tuple(10L, "planowany", new java.math.BigDecimal("1.00")));
        assertThat(all.get(1)).isNotSameAs(ahead.get(0));
        assertThat((List<?>) all.get(2)).extracting("offset", "value").containsExactly(tuple(12L, new java.math.BigDecimal("2.00")));
        // the records themselves are as read, for whoever comes next
        assertThat(poll.get(1).getMessage().getHeader(RowChanges.UNUSABLE)).isNull();
        assertThat(poll.get(1).getMessage().getBody()).isInstanceOf(ByteBuffer.class);
        // a record of a topic the aggregate does not read is no change of it
        Exchange other = record(context, 13, event("c", row("planowany", "1.00")));
        other.getMessage().setHeader(KafkaConstants.TOPIC, "dbserver1.public.inne");
        assertThat(behind.readAll(List.of(other))).isEmpty();
    }

    private static Exchange record(CamelContext context, long offset, byte[] value) {
        Exchange exchange = new DefaultExchange(context);
        exchange.getMessage().setHeader(KafkaConstants.KEY, KEY);
        exchange.getMessage().setHeader(KafkaConstants.TOPIC, TOPIC);
        exchange.getMessage().setHeader(KafkaConstants.PARTITION, 0);
        exchange.getMessage().setHeader(KafkaConstants.OFFSET, offset);
        exchange.getMessage().setBody(value == null ? null : ByteBuffer.wrap(value));
        return exchange;
    }

    private static byte[] event(String op, Struct after) {
        return ProjectEvents.event(op, null, after, "base64");
    }
}
