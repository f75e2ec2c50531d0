package org.cdcpipeline.aggregate;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.cdcpipeline.S3Objects;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

class SnapshotParquetTest {

    private static AggregateSnapshot snapshot(AggregateSnapshot.Columns columns, AggregateSnapshot.Group... groups) {
        return new AggregateSnapshot("a", columns, Arrays.asList(groups), 1_741_899_497_088L, 24_949_288L);
    }

    @Test
    void shouldNameAndTypeColumnsAfterTheSourceAndTheFunction() throws Exception {
        AggregateSnapshot s = snapshot(new AggregateSnapshot.Columns(AggregateFunction.SUM, "status", ColumnType.TEXT,
                        "sum_budzet", ColumnType.ofValue(AggregateFunction.SUM, ColumnType.ofSql("numeric", 14, 2)), Map.of()),
                new AggregateSnapshot.Group("w_trakcie", new BigDecimal("1234.5"), 2),
                new AggregateSnapshot.Group(null, new BigDecimal("10.25"), 1));

        List<GenericRecord> rows = S3Objects.parquet("a", SnapshotParquet.write(s));

        assertThat(rows.get(0).getSchema().getFields()).extracting(Schema.Field::name)
                .containsExactly("status", "sum_budzet", "__rows", "__as_of_commit_time", "__as_of_lsn");
        assertThat(S3Objects.value(rows.get(0), "status")).isEqualTo("w_trakcie");
        assertThat(S3Objects.number(rows.get(0), "sum_budzet")).isEqualTo(new BigDecimal("1234.50"));
        assertThat(rows.get(0).get("__rows")).isEqualTo(2L);
        assertThat(rows.get(0).get("__as_of_commit_time")).isEqualTo(1_741_899_497_088L);
        assertThat(rows.get(0).get("__as_of_lsn")).isEqualTo(24_949_288L);
        assertThat(S3Objects.value(rows.get(1), "status")).as("the NULL group last").isNull();
    }

    @Test
    void shouldSortNumbersAndDatesAsSuchNotAsText() throws Exception {
        AggregateSnapshot ages = snapshot(new AggregateSnapshot.Columns(AggregateFunction.COUNT, "wiek", ColumnType.ofSql("int2", 16, 0),
                        "count", ColumnType.ofValue(AggregateFunction.COUNT, ColumnType.TEXT), Map.of()),
                new AggregateSnapshot.Group("100", BigDecimal.ONE, 1), new AggregateSnapshot.Group("20", new BigDecimal(3), 3));
        assertThat(S3Objects.parquet("a", SnapshotParquet.write(ages))).extracting(r -> r.get("wiek")).containsExactly(20, 100);

        AggregateSnapshot months = snapshot(new AggregateSnapshot.Columns(AggregateFunction.COUNT, "start",
                        ColumnType.ofSql("date", null, null), "count", ColumnType.LONG, Map.of()),
                new AggregateSnapshot.Group("2024-11-01", BigDecimal.ONE, 1),
                new AggregateSnapshot.Group("2024-03-01", BigDecimal.ONE, 1));
        assertThat(S3Objects.parquet("a", SnapshotParquet.write(months))).extracting(r -> S3Objects.value(r, "start"))
                .containsExactly(LocalDate.of(2024, 3, 1), LocalDate.of(2024, 11, 1));
    }

    @Test
    void shouldWriteGroupsAsTextWhenOneDoesNotReadAsTheColumnsType() throws Exception {
        AggregateSnapshot s = snapshot(new AggregateSnapshot.Columns(AggregateFunction.COUNT, "wiek", ColumnType.ofSql("int4", 32, 0),
                        "count", ColumnType.LONG, Map.of()),
                new AggregateSnapshot.Group("20", BigDecimal.ONE, 1), new AggregateSnapshot.Group("dwadzieścia", BigDecimal.ONE, 1));
        assertThat(S3Objects.parquet("a", SnapshotParquet.write(s))).extracting(r -> S3Objects.value(r, "wiek"))
                .containsExactlyInAnyOrder("20", "dwadzieścia");
    }

    @Test
    void shouldWriteAnEmptyAggregateWithItsColumns() throws Exception {
        AggregateSnapshot s = snapshot(new AggregateSnapshot.Columns(AggregateFunction.COUNT, "kraj", ColumnType.TEXT, "count",
                ColumnType.LONG, Map.of()));
        byte[] bytes = SnapshotParquet.write(s);
        assertThat(bytes).isNotEmpty();
        assertThat(S3Objects.parquet("a", bytes)).isEmpty();
    }

    @Test
    void shouldTypeValuesAfterTheFunction() {
        ColumnType smallint = ColumnType.ofSql("int2", 16, 0);
        assertThat(ColumnType.ofValue(AggregateFunction.COUNT, smallint)).isEqualTo(ColumnType.LONG);
        assertThat(ColumnType.ofValue(AggregateFunction.AVG, smallint)).isEqualTo(ColumnType.DOUBLE);
        assertThat(ColumnType.ofValue(AggregateFunction.SUM, smallint)).isEqualTo(ColumnType.LONG);
        assertThat(ColumnType.ofValue(AggregateFunction.MAX, smallint)).isEqualTo(smallint);
        assertThat(ColumnType.ofValue(AggregateFunction.SUM, ColumnType.ofSql("int8", 64, 0)).avro().getLogicalType().getName())
                .isEqualTo("decimal");
        assertThat(ColumnType.ofSql("numeric", null, null)).as("no declared scale").isEqualTo(ColumnType.TEXT);
        assertThat(ColumnType.ofValue(AggregateFunction.SUM, ColumnType.TEXT)).isEqualTo(ColumnType.DOUBLE);
    }

    @Test
    void shouldWriteQualityFiguresPerColumnOfTheTable() throws Exception {
        Map<String, ColumnType> table = new LinkedHashMap<>();
        table.put("id", ColumnType.ofSql("int4", 32, 0));
        table.put("email", ColumnType.TEXT);
        table.put("kraj", ColumnType.TEXT);
        AggregateSnapshot s = new AggregateSnapshot("quality-klienci", new AggregateSnapshot.Columns(AggregateFunction.QUALITY,
                "", ColumnType.TEXT, "quality", ColumnType.LONG, table), List.of(
                new AggregateSnapshot.Group("{}", new BigDecimal(5), 5),
                new AggregateSnapshot.Group("{\"n\":[\"email\",\"kraj\"]}", new BigDecimal(2), 2),
                new AggregateSnapshot.Group("{\"n\":[\"kraj\"],\"e\":[\"email\"]}", BigDecimal.ONE, 1)),
                1_741_899_497_088L, 24_949_288L);

        List<GenericRecord> rows = S3Objects.parquet("q", SnapshotParquet.write(s));

        assertThat(rows).extracting(r -> S3Objects.value(r, "column"), r -> r.get("rows"), r -> r.get("nulls"),
                        r -> r.get("empty"))
                .containsExactly(tuple("id", 8L, 0L, null), tuple("email", 8L, 2L, 1L), tuple("kraj", 8L, 3L, 0L));
        assertThat(rows.get(0).get("__as_of_lsn")).isEqualTo(24_949_288L);
    }
}
