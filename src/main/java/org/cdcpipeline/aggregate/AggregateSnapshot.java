package org.cdcpipeline.aggregate;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * One complete, consistent state of an aggregate.
 *
 * @param columns  the snapshot's group and value columns: names and types
 * @param asOfTsMs commit time of the latest change applied
 * @param asOfLsn  WAL position of the latest change applied, null if unknown
 */
public record AggregateSnapshot(String aggregate, Columns columns, List<Group> groups, long asOfTsMs, Long asOfLsn) {

    /** @param group null for the rows whose group column is null */
    public record Group(String group, BigDecimal value, long rows) {
    }

    /**
     * The snapshot's group column (named and typed after the source column) and value column ({@code count},
     * {@code avg_wiek}...), typed after the function and the source value column.
     *
     * @param table the source table's columns and their types, in the table's order (empty when it is not found)
     */
    public record Columns(AggregateFunction function, String group, ColumnType groupType, String value,
                          ColumnType valueType, Map<String, ColumnType> table) {
    }
}
