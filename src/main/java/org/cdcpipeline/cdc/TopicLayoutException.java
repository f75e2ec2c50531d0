package org.cdcpipeline.cdc;

/**
 * A topic capture would publish on exists with a layout the settings do not allow (another partition count): a
 * setting or the topic must change, so publishing waits instead of retrying a few times and dead-lettering.
 */
public final class TopicLayoutException extends RuntimeException {

    public TopicLayoutException(String message) {
        super(message);
    }
}
