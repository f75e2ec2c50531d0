package org.cdcpipeline.archive;

import java.util.Collection;
import java.util.regex.Pattern;

import org.apache.camel.component.kafka.consumer.support.subcription.DefaultSubscribeAdapter;
import org.apache.camel.component.kafka.consumer.support.subcription.TopicInfo;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;

/**
 * Subscribes camel-kafka's consumers as usual, and tells the archive which partitions its consumer loses, before
 * anyone else can own them, and when its records start a new generation ({@link AssignmentTagging}): camel-kafka looks
 * this adapter up in the registry (name {@code subscribeAdapter}) for every consumer, and only the one subscribed to
 * the archive's topic pattern is watched.
 */
public final class ArchiveSubscribeAdapter extends DefaultSubscribeAdapter {

    private final String archivePattern;
    private final ArchiveIntake intake;

    public ArchiveSubscribeAdapter(String archivePattern, ArchiveIntake intake) {
        this.archivePattern = Pattern.compile(archivePattern).pattern();
        this.intake = intake;
    }

    @Override
    public void subscribe(Consumer<?, ?> consumer, ConsumerRebalanceListener listener, TopicInfo topicInfo) {
        boolean archive = topicInfo.isPattern() && topicInfo.getPattern().pattern().equals(archivePattern);
        super.subscribe(consumer, archive ? new Watched(listener) : listener, topicInfo);
    }

    private final class Watched implements ConsumerRebalanceListener {
        private final ConsumerRebalanceListener delegate;

        Watched(ConsumerRebalanceListener delegate) {
            this.delegate = delegate;
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            AssignmentTagging.rebalanced();
            intake.revoked(partitions);
            delegate.onPartitionsRevoked(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            AssignmentTagging.rebalanced();
            intake.revoked(partitions);
            delegate.onPartitionsLost(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            // before camel-kafka asks the archive where each partition resumes (ArchiveIntake.getState)
            AssignmentTagging.rebalanced();
            delegate.onPartitionsAssigned(partitions);
        }
    }
}
