package org.cdcpipeline.aggregate;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.camel.CamelContext;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.cdcpipeline.RouteContext;
import org.cdcpipeline.TcpProxy;
import org.cdcpipeline.TestServices;
import org.cdcpipeline.TopicReader;
import org.cdcpipeline.cdc.CaptureTopics;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The aggregate-dead-letter route alone, on its real YAML file and error policy, in a CamelContext of its own against
 * the real Kafka broker; no aggregate, capture or PostgreSQL runs. Camel's NotifyBuilder tells when the route is done.
 */
class AggregateDeadLetterRouteIT {

    private static final String SOURCE_TOPIC = "agg-dl-route.agg_dl_route.klienci";

    @Test
    void shouldPublishTheRecordUnchangedWithWhereItCameFromAndWhy() throws Exception {
        String deadLetters = "agg-dl-route.unchanged";
        try (CamelContext context = deadLetterRoute(deadLetters, bootstrap())) {
            NotifyBuilder done = new NotifyBuilder(context).fromRoute("aggregate-dead-letter").whenCompleted(1).create();
            send(context, 7);
            assertThat(done.matches(30, TimeUnit.SECONDS)).as("the route completed the record").isTrue();
        }
        List<ConsumerRecord<String, String>> letters = TopicReader.read(deadLetters, 1);
        assertThat(letters).hasSize(1);
        ConsumerRecord<String, String> letter = letters.get(0);
        assertThat(letter.key()).isEqualTo("{\"id\":7}");
        assertThat(letter.value()).isEqualTo("not a change event 7");
        assertThat(header(letter, "dead-letter.topic")).isEqualTo(SOURCE_TOPIC);
        assertThat(header(letter, "dead-letter.partition")).isEqualTo("0");
        assertThat(header(letter, "dead-letter.offset")).isEqualTo("7");
        assertThat(header(letter, "dead-letter.error")).isEqualTo("unusable record 7");
    }

    @Test
    void shouldKeepTheRecordWhileKafkaCannotBeReachedAndPublishItOnceItCan() throws Exception {
        String deadLetters = "agg-dl-route.after-outage";
        int kafkaPort = Integer.parseInt(bootstrap().replaceAll(".*:", ""));
        try (TcpProxy proxy = new TcpProxy(kafkaPort);
             CamelContext context = deadLetterRoute(deadLetters, "127.0.0.1:" + proxy.port())) {
            NotifyBuilder finished = new NotifyBuilder(context).fromRoute("aggregate-dead-letter").whenDone(1).create();
            NotifyBuilder published = new NotifyBuilder(context).fromRoute("aggregate-dead-letter").whenCompleted(1).create();
            Thread sender = new Thread(() -> send(context, 8), "dead-letter-sender");
            sender.start();
            // Kafka away for a fixed 5 s (an observation window): the record is neither published nor given up
            assertThat(finished.matches(5, TimeUnit.SECONDS)).as("finished while Kafka cannot be reached").isFalse();
            proxy.up();
            assertThat(published.matches(90, TimeUnit.SECONDS)).as("the route published the record").isTrue();
            sender.join(10_000);
        }
        assertThat(TopicReader.read(deadLetters, 1)).singleElement()
                .satisfies(letter -> assertThat(letter.value()).isEqualTo("not a change event 8"));
    }

    /** The route files in a context of their own, with only aggregate-dead-letter started, publishing to this topic. */
    private static CamelContext deadLetterRoute(String deadLetterTopic, String bootstrapServers) throws Exception {
        CamelContext context = RouteContext.withRoutes(Map.of("aggregate.dead-letter-topic", deadLetterTopic,
                "kafka.bootstrap-servers", bootstrapServers, "aggregate.retry.initial-delay-ms", "200",
                "aggregate.retry.max-delay-ms", "1000"));
        // the route makes its topic before the first letter
        Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000));
        context.getRegistry().bind("captureTopics", new CaptureTopics(admin, 1048576, 1, -1, ""));
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                admin.close(Duration.ofSeconds(5));
            }
        }, true, true);
        context.start();
        context.getRouteController().startRoute("aggregate-dead-letter");
        return context;
    }

    /** A record as an aggregate route hands it over: the bytes read, the Kafka headers, why it cannot be used. */
    private static void send(CamelContext context, int offset) {
        context.createProducerTemplate().send("direct:aggregate-dead-letter", exchange -> {
            exchange.getMessage().setBody(("not a change event " + offset).getBytes(StandardCharsets.UTF_8));
            exchange.getMessage().setHeader("kafka.KEY", ("{\"id\":" + offset + "}").getBytes(StandardCharsets.UTF_8));
            exchange.getMessage().setHeader("kafka.TOPIC", SOURCE_TOPIC);
            exchange.getMessage().setHeader("kafka.PARTITION", 0);
            exchange.getMessage().setHeader("kafka.OFFSET", (long) offset);
            exchange.getMessage().setHeader(RowChanges.UNUSABLE, "unusable record " + offset);
        });
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private static String bootstrap() {
        return TestServices.endpoints().get("kafka.bootstrap-servers");
    }
}
