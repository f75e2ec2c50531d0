package org.cdcpipeline.archive;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.apache.avro.generic.GenericRecord;
import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.support.DefaultMessage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.camel.component.aws2.s3.AWS2S3Constants;
import org.cdcpipeline.Causes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;

/**
 * Collects the runs of admitted changes of one batch key (a topic-partition in one epoch) into an {@link ArchiveBatch}; once
 * the batch is complete, claims it (a stale batch is dropped), gives its rows, and accounts for it once
 * its object is in the bucket. A write that fails is retried without end while S3 is unreachable or refuses, and at
 * most {@code attempts} times for any other failure (a batch that cannot be written as it is: its records then go to
 * the dead-letter topic); never once the batch is stale.
 */
public record ArchiveBatching(ArchiveIntake intake, ArchiveStats stats, int attempts, BatchRecords kafkaRecords)
        implements AggregationStrategy {

    private static final Logger LOG = LoggerFactory.getLogger(ArchiveBatching.class);
    static final String BATCH = "archiveBatch";

    @Override
    public Exchange aggregate(Exchange oldExchange, Exchange newExchange) {
        ArchiveBatch run = newExchange.getIn().getBody(ArchiveBatch.class);
        intake.held(run.size());
        stats.batched(run.size());
        if (oldExchange == null) {
            return newExchange;
        }
        oldExchange.getIn().getBody(ArchiveBatch.class).addAll(run);
        return oldExchange;
    }

    /** True when the batch is to be written now; false when it is stale and has been dropped. */
    public boolean claim(Exchange exchange) {
        ArchiveBatch batch = exchange.getIn().getBody(ArchiveBatch.class);
        exchange.setProperty(BATCH, batch);
        if (intake.claim(batch)) {
            return true;
        }
        LOG.info("Batch of {} (offsets {}-{}) dropped: the partition was reassigned; its changes are read again",
                batch.topicPartition(), batch.firstOffset(), batch.lastOffset());
        intake.dropped(batch);
        stats.dropped(batch.size());
        return false;
    }

    /** The batch's rows as Avro records (what the parquetAvro data format marshals). */
    public List<GenericRecord> rows(Exchange exchange) {
        return batch(exchange).records();
    }

    /** The object is in the bucket. */
    public void written(Exchange exchange) {
        ArchiveBatch batch = batch(exchange);
        byte[] object = exchange.getIn().getBody(byte[].class);
        intake.finished(batch, true, true);
        String key = exchange.getIn().getHeader(AWS2S3Constants.KEY, String.class);
        stats.written(batch.table(), batch.size(), object == null ? 0 : object.length, key);
        LOG.info("Archived {} changes of {} (offsets {}-{}) as {}", batch.size(), batch.topicPartition(),
                batch.firstOffset(), batch.lastOffset(), key);
    }

    /** Whether a failed write is tried again: while the batch is current, without end for an outage, else bounded. */
    public boolean retry(Exchange exchange) {
        ArchiveBatch batch = batch(exchange);
        if (batch == null || !intake.isCurrent(batch) || !exchange.getContext().getStatus().isStarted()) {
            return false;
        }
        Throwable failure = failure(exchange);
        int redeliveries = exchange.getIn().getHeader(Exchange.REDELIVERY_COUNTER, 0, Integer.class);
        return isOutage(failure) || redeliveries < attempts;
    }

    /**
     * The write was given up: for a batch that is current and failed for another reason than an outage while the
     * pipeline runs, its records as they are in Kafka (read back, {@link BatchRecords}), to go to the dead-letter topic
     * with why and where from in headers {@code pipeline.*} (the partition moves on); otherwise nothing (the batch is
     * stale or the pipeline stops: its changes are read again).
     */
    public List<Message> failed(Exchange exchange) {
        ArchiveBatch batch = batch(exchange);
        Throwable failure = failure(exchange);
        // never for a failure while the pipeline stops (an S3 endpoint first used then is not started)
        boolean deadLetter = intake.isCurrent(batch) && !isOutage(failure) && exchange.getContext().getStatus().isStarted();
        if (deadLetter) {
            LOG.error("Batch of {} (offsets {}-{}) could not be written after {} attempts ({}): its {} records go to the "
                    + "dead-letter topic", batch.topicPartition(), batch.firstOffset(), batch.lastOffset(), attempts,
                    failure, batch.size());
        } else {
            LOG.info("Batch of {} (offsets {}-{}) not written ({}); its changes are read again",
                    batch.topicPartition(), batch.firstOffset(), batch.lastOffset(),
                    failure == null ? "stale" : failure.getMessage());
        }
        // not covered in the bucket: after a restart the batch is read again (and its letters sent again)
        intake.finished(batch, true, false);
        stats.dropped(batch.size());
        return deadLetter ? letters(exchange, batch, failure) : List.of();
    }

    private List<Message> letters(Exchange exchange, ArchiveBatch batch, Throwable failure) {
        List<ConsumerRecord<byte[], byte[]>> records = kafkaRecords.read(batch);
        Set<Long> missing = BatchRecords.missing(batch, records);
        if (!missing.isEmpty()) {
            LOG.error("Records of {} at offsets {} could not be read back from Kafka for the dead-letter topic; no "
                    + "object covers them, so they are archived again after a restart", batch.topicPartition(), missing);
        }
        List<Message> letters = new ArrayList<>(records.size());
        for (ConsumerRecord<byte[], byte[]> record : records) {
            Message letter = new DefaultMessage(exchange.getContext());
            for (Header header : record.headers()) {
                letter.setHeader(header.key(), header.value());
            }
            letter.setHeader(KafkaConstants.KEY, record.key());
            letter.setHeader("pipeline.error", String.valueOf(failure));
            letter.setHeader("pipeline.source-topic", record.topic());
            letter.setHeader("pipeline.source-partition", record.partition());
            letter.setHeader("pipeline.source-offset", record.offset());
            letter.setBody(record.value());
            letters.add(letter);
        }
        return letters;
    }

    /** S3 unreachable, slow, refusing or failing on its side: wait it out, never give the batch up for it. */
    static boolean isOutage(Throwable failure) {
        return Causes.first(failure, t -> t instanceof SdkClientException || t instanceof IOException
                        || t instanceof SdkServiceException)
                .map(t -> !(t instanceof SdkServiceException service) || service.statusCode() >= 500
                        || Set.of(429, 403, 401, 404).contains(service.statusCode()))
                .orElse(false);
    }

    private static Throwable failure(Exchange exchange) {
        Throwable failure = exchange.getException();
        return failure != null ? failure : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
    }

    private static ArchiveBatch batch(Exchange exchange) {
        return exchange.getProperty(BATCH, ArchiveBatch.class);
    }
}
