package org.cdcpipeline.cdc;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Predicate;
import org.apache.camel.component.debezium.DebeziumConstants;

/**
 * Tells the changes of captured tables from the other events Debezium delivers: heartbeats and the logical decoding
 * messages of the heartbeat query carry no change (they only move the slot forward), and the signal table's rows are
 * requests to Debezium, not data. A plain check: it runs on Debezium's thread for every event, as a {@link Predicate}
 * the route names with the ref language (a method call would copy each event's headers for the invocation).
 */
public final class ChangeEvents implements Predicate {

    private final String signalTable;
    private final String messages;

    /** @param signalTable {@code cdc.signal-table} ({@code <schema>.<table>}) */
    public ChangeEvents(String topicPrefix, String signalTable) {
        this.signalTable = topicPrefix + "." + signalTable;
        this.messages = topicPrefix + ".message";
    }

    @Override
    public boolean matches(Exchange event) {
        Message in = event.getIn();
        return isTableChange(in.getHeader(DebeziumConstants.HEADER_OPERATION, String.class),
                in.getHeader(DebeziumConstants.HEADER_IDENTIFIER, String.class));
    }

    /** True for a change of a captured table; false for a heartbeat, a logical decoding message or a signal. */
    public boolean isTableChange(String operation, String identifier) {
        return operation != null && !signalTable.equals(identifier) && !messages.equals(identifier);
    }
}
