package org.cdcpipeline.dashboard;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

import org.cdcpipeline.aggregate.AggregateDefinition;
import org.cdcpipeline.aggregate.AggregateSnapshot;
import org.cdcpipeline.aggregate.ColumnType;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AggregateViewsTest {

    private static AggregateDefinition definition(String groupBy, String function, String value, String bucket) {
        return new AggregateDefinition("a", "dbserver1", "public", "t", groupBy, function, value, bucket);
    }

    @Test
    void shouldPickTheChartFromTheDefinition() {
        assertThat(AggregateViews.chart(definition("kraj", "count", "", ""))).isEqualTo("bar");
        assertThat(AggregateViews.chart(definition("wiek", "count", "", "10"))).isEqualTo("histogram");
        assertThat(AggregateViews.chart(definition("data_rozpoczecia", "count", "", "month"))).isEqualTo("line");
        assertThat(AggregateViews.chart(definition("", "quality", "", ""))).isEqualTo("quality");
        assertThat(AggregateViews.chart(definition("", "mirror", "", ""))).isEqualTo("timeline");
    }

    @Test
    void shouldDescribeAJoinedAggregateByItsJoinedTable() {
        AggregateDefinition joined = new AggregateDefinition("budget", "dbserver1", "public", "projekty", "kraj", "sum",
                "budzet", "", "klienci", "klient_id");
        assertThat(AggregateViews.describe(joined)).containsEntry("join", "klienci").containsEntry("valueName", "sum_budzet")
                .containsEntry("chart", "bar");
    }

    @Test
    void shouldShowTheLargestGroupsOfABarFirstAndAHistogramInItsOwnOrderWithTheNullGroupLast() {
        List<AggregateSnapshot.Group> groups = new ArrayList<>(List.of(group("30", 5), group(null, 9), group("100", 1),
                group("20", 7)));
        groups.sort(AggregateViews.order("bar", ColumnType.LONG));
        assertThat(groups).extracting(AggregateSnapshot.Group::group).containsExactly("20", "30", "100", null);
        groups.sort(AggregateViews.order("histogram", ColumnType.LONG));
        assertThat(groups).extracting(AggregateSnapshot.Group::group).containsExactly("20", "30", "100", null);
        groups.sort(AggregateViews.order("line", ColumnType.TEXT));
        assertThat(groups).extracting(AggregateSnapshot.Group::group).containsExactly("100", "20", "30", null);
    }

    private static AggregateSnapshot.Group group(String name, long count) {
        return new AggregateSnapshot.Group(name, BigDecimal.valueOf(count), count);
    }
}
