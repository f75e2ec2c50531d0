package org.cdcpipeline;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A schema of one test's own in the shared PostgreSQL, captured by that test's pipeline: its replication slot,
 * publication, topic prefix and data folder are named after it, so no test reads another's changes.
 */
public record CapturedSchema(String name, Path work) {

    /** Creates the schema; the test adds its tables. */
    public static CapturedSchema create(String name, Path work) throws Exception {
        TestServices.execute("CREATE SCHEMA " + name);
        return new CapturedSchema(name, work);
    }

    public String topicPrefix() {
        return name.replace('_', '-');
    }

    /** The topic capture publishes the table's changes on. */
    public String topic(String table) {
        return topicPrefix() + "." + name + "." + table;
    }

    /** The table's qualified name. */
    public String table(String table) {
        return name + "." + table;
    }

    /** Settings of a pipeline that imports the CSV files of work/csv into this schema and captures its changes. */
    public Map<String, String> settings() {
        Map<String, String> s = new HashMap<>();
        s.put("csv.dir", work.resolve("csv").toString());
        s.put("csv.schema", name);
        s.put("pipeline.data-dir", work.resolve("data").toString());
        s.put("cdc.enabled", "true");
        s.put("topic.prefix", topicPrefix());
        s.put("cdc.slot-name", name);
        s.put("cdc.publication-name", name);
        s.put("cdc.offset-flush-interval-ms", "200");
        return s;
    }
}
