package org.cdcpipeline.cdc;

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
}
