package org.cdcpipeline.cdc;

import org.apache.camel.Exchange;
import org.apache.camel.component.debezium.DebeziumConstants;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ChangeEventsTest {

    private final ChangeEvents events = new ChangeEvents("dbserver1", "pipeline_state.cdc_signal");

    @Test
    void shouldPassChangesOfCapturedTables() {
        assertThat(events.isTableChange("c", "dbserver1.public.klienci")).isTrue();
        assertThat(events.isTableChange("d", "dbserver1.public.message")).isTrue();
    }

    @Test
    void shouldDropHeartbeatsMessagesAndSignals() {
        // a heartbeat carries no operation
        assertThat(events.isTableChange(null, "__debezium-heartbeat.dbserver1")).isFalse();
        // the heartbeat query's logical decoding message
        assertThat(events.isTableChange("m", "dbserver1.message")).isFalse();
        // a snapshot request written to the signal table
        assertThat(events.isTableChange("c", "dbserver1.pipeline_state.cdc_signal")).isFalse();
    }

    @Test
    void shouldReadTheOperationAndTheIdentifierFromTheEventsHeadersAsTheRoutesPredicate() {
        assertThat(events.matches(event("u", "dbserver1.public.klienci"))).isTrue();
        assertThat(events.matches(event(null, "__debezium-heartbeat.dbserver1"))).isFalse();
        assertThat(events.matches(event("c", "dbserver1.pipeline_state.cdc_signal"))).isFalse();
    }

    private static Exchange event(String operation, String identifier) {
        Exchange event = new DefaultExchange(new DefaultCamelContext());
        event.getIn().setHeader(DebeziumConstants.HEADER_OPERATION, operation);
        event.getIn().setHeader(DebeziumConstants.HEADER_IDENTIFIER, identifier);
        return event;
    }
}
