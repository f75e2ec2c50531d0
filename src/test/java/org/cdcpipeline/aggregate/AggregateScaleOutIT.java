package org.cdcpipeline.aggregate;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.cdcpipeline.CountsByCountry;
import org.cdcpipeline.Samples;
import org.cdcpipeline.TestPipeline;
import org.cdcpipeline.TestServices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.cdcpipeline.TestServices.execute;

/**
 * Two pipeline instances on one Kafka and one state store: the aggregate consumer group splits the partitions
 * between them, both write the same state, and the aggregate still equals GROUP BY, also when one instance leaves.
 */
class AggregateScaleOutIT {

    private static final String SCHEMA = "agg_two";
    private static final String TOPIC = "aggtwo.agg_two.klienci";

    @TempDir
    Path work;

    private Map<String, String> instance(String name, boolean capture) {
        Map<String, String> s = new HashMap<>(Map.of("csv.dir", work.resolve(name + "-csv").toString(), "csv.schema", SCHEMA,
                "pipeline.data-dir", work.resolve(name + "-data").toString(), "cdc.enabled", String.valueOf(capture),
                "aggregate.enabled", "true", "aggregate.state-schema", "agg_two_state",
                "topic.prefix", "aggtwo", "cdc.slot-name", SCHEMA, "cdc.publication-name", SCHEMA));
        // capture creates the topic with two partitions, one for each instance
        s.put("cdc.topic-partitions", "2");
        return s;
    }

    @Test
    void shouldAgreeWhenTwoInstancesShareThePartitions() throws Exception {
        Files.createDirectories(work.resolve("a-csv"));
        Files.copy(Samples.path("klienci.csv"), work.resolve("a-csv").resolve("klienci.csv"));
        try (TestPipeline a = TestPipeline.start(instance("a", true))) {
            try (TestPipeline b = TestPipeline.start(instance("b", false))) {
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    assertThat(partitions()).as("partitions capture created").isEqualTo(2);
                    assertThat(membersWithPartitions()).as("each instance holds one partition").isEqualTo(2);
                    assertThat(CountsByCountry.groupBy("agg_two")).hasSizeGreaterThan(2).isEqualTo(CountsByCountry.state("agg_two_state"));
                });
                execute("UPDATE agg_two.klienci SET kraj = 'Malta' WHERE id <= 10",
                        "DELETE FROM agg_two.klienci WHERE id BETWEEN 11 AND 15",
                        "INSERT INTO agg_two.klienci (id, nazwa, kraj) VALUES (300, 'Nowy', 'Malta')");
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(CountsByCountry.state("agg_two_state")).isEqualTo(CountsByCountry.groupBy("agg_two")));
            }
            // b has left: a takes over its partition and goes on from where b's state says
            execute("UPDATE agg_two.klienci SET kraj = 'Cypr' WHERE id BETWEEN 16 AND 30");
            await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(CountsByCountry.state("agg_two_state")).isEqualTo(CountsByCountry.groupBy("agg_two")));
        }
    }

    private static int partitions() throws Exception {
        try (Admin admin = Admin.create(kafka())) {
            if (!admin.listTopics().names().get().contains(TOPIC)) {
                return 0; // capture has not created it yet
            }
            return admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC).partitions().size();
        }
    }

    private static int membersWithPartitions() throws Exception {
        try (Admin admin = Admin.create(kafka())) {
            ConsumerGroupDescription group = admin.describeConsumerGroups(List.of("aggregates-klienci"))
                    .all().get().get("aggregates-klienci");
            return (int) group.members().stream().filter(m -> !m.assignment().topicPartitions().isEmpty()).count();
        }
    }

    private static Properties kafka() {
        Properties p = new Properties();
        p.put("bootstrap.servers", TestServices.endpoints().get("kafka.bootstrap-servers"));
        return p;
    }
}
