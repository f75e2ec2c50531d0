package org.cdcpipeline.aggregate;

import java.math.BigDecimal;
import java.util.List;

/**
 * One complete, consistent state of an aggregate.
 *
 * @param asOfTsMs commit time of the latest change applied
 * @param asOfLsn  WAL position of the latest change applied, null if unknown
 */
public record AggregateSnapshot(String aggregate, AggregateFunction function, List<Group> groups, long asOfTsMs, Long asOfLsn) {

    /** @param group null for the rows whose group column is null */
    public record Group(String group, BigDecimal value, long rows) {
    }
}
