package org.cdcpipeline.cdc;

import java.time.Instant;
import java.util.Optional;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.Property;

/**
 * The last error Debezium logged. Its error handler reports each failure it retries after only in its log (the
 * embedded engine has no other channel Camel passes on), so the capture health reads it here: an appender on the root
 * logger that keeps the newest ERROR of an {@code io.debezium} logger, with its cause.
 */
public final class DebeziumErrors extends AbstractAppender {

    /** One error as Debezium logged it, with its root cause. */
    public record Error(Instant at, String text) {

        /** Debezium's messages may hold a whole offset context: their start says what failed. */
        public String shortText(int maxLength) {
            return text.length() <= maxLength ? text : text.substring(0, maxLength) + "...";
        }
    }

    private volatile Error last;

    public DebeziumErrors() {
        super("debezium-errors", null, null, true, Property.EMPTY_ARRAY);
    }

    /** Adds the appender to the logging configuration in use (Log4j 2, the pipeline's backend). */
    public void install() {
        start();
        if (org.apache.logging.log4j.LogManager.getContext(false) instanceof LoggerContext context) {
            Configuration config = context.getConfiguration();
            config.addAppender(this);
            config.getRootLogger().addAppender(this, Level.ERROR, null);
            context.updateLoggers();
        }
    }

    @Override
    public void append(LogEvent event) {
        if (event.getLoggerName() == null || !event.getLoggerName().startsWith("io.debezium")
                || !event.getLevel().isMoreSpecificThan(Level.ERROR)) {
            return;
        }
        Throwable cause = event.getThrown();
        while (cause != null && cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String text = event.getMessage().getFormattedMessage();
        if (cause != null && cause.getMessage() != null && !text.contains(cause.getMessage())) {
            text += ": " + cause.getMessage();
        }
        text = text.replaceAll("\\s+", " ").trim();
        last = new Error(Instant.ofEpochMilli(event.getTimeMillis()), text);
    }

    /** The newest error Debezium logged at or after {@code since}. */
    public Optional<Error> since(Instant since) {
        Error error = last;
        return error == null || error.at().isBefore(since) ? Optional.empty() : Optional.of(error);
    }

    /** Takes the appender out of the logging configuration again. */
    public void uninstall() {
        if (org.apache.logging.log4j.LogManager.getContext(false) instanceof LoggerContext context) {
            context.getConfiguration().getRootLogger().removeAppender(getName());
            context.updateLoggers();
        }
        stop();
    }
}
