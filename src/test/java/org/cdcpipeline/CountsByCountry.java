package org.cdcpipeline;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.TreeMap;

import org.cdcpipeline.aggregate.AggregateDefinition;
import org.cdcpipeline.aggregate.AggregateSnapshot;
import org.cdcpipeline.aggregate.AggregateStore;
import org.postgresql.ds.PGSimpleDataSource;

/** The klienci-by-country aggregate two ways, to compare: its state as the pipeline keeps it, and GROUP BY over the table. */
public final class CountsByCountry {

    private CountsByCountry() {
    }

    /** The aggregate's current groups in the state schema {@code stateSchema} (a null country as "null"). */
    public static Map<String, BigDecimal> state(String stateSchema) throws Exception {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(TestServices.jdbcUrl());
        ds.setUser("postgres");
        ds.setPassword(TestServices.endpoints().get("postgres.password"));
        Map<String, BigDecimal> groups = new TreeMap<>();
        for (AggregateSnapshot.Group g : new AggregateStore(ds, stateSchema)
                .current(new AggregateDefinition("klienci-by-country", "dbserver1", "public", "klienci",
                "kraj", "count", "", "")).groups()) {
            groups.put(String.valueOf(g.group()), g.value());
        }
        return groups;
    }

    /** {@code SELECT kraj, count(*) ... GROUP BY kraj} over {@code schema}.klienci, keyed as {@link #state}. */
    public static Map<String, BigDecimal> groupBy(String schema) throws Exception {
        Map<String, BigDecimal> groups = new TreeMap<>();
        try (Connection c = TestServices.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT kraj, count(*) FROM " + schema + ".klienci GROUP BY kraj")) {
            while (rs.next()) {
                groups.put(String.valueOf(rs.getString(1)), rs.getBigDecimal(2));
            }
        }
        return groups;
    }
}
