package org.cdcpipeline;

import org.apache.camel.LoggingLevel;
import org.apache.camel.processor.errorhandler.RedeliveryPolicy;

/**
 * The retry policy of every stage that waits out an outage (Kafka, S3, PostgreSQL away): tries again without end,
 * backing off exponentially (doubling) from the first delay to the longest; each retry is one WARN line without stack
 * trace; no retry once the pipeline stops (the work is redone at the next start). A retry sleeps on the thread that
 * failed, so nothing after the failed exchange overtakes it. The routes bind it once per set of delays
 * (routes/error-handling.camel.yaml) and refer to it by name.
 */
public final class RetryWithoutEnd extends RedeliveryPolicy {

    public RetryWithoutEnd(long firstDelayMs, long longestDelayMs) {
        setMaximumRedeliveries(-1);
        setRedeliveryDelay(firstDelayMs);
        setUseExponentialBackOff(true);
        setBackOffMultiplier(2);
        setMaximumRedeliveryDelay(longestDelayMs);
        setAsyncDelayedRedelivery(false);
        setRetryAttemptedLogLevel(LoggingLevel.WARN);
        setLogRetryStackTrace(false);
        setLogStackTrace(false);
        setLogExhaustedMessageHistory(false);
        setAllowRedeliveryWhileStopping(false);
    }
}
