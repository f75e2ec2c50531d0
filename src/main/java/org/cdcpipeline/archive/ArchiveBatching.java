package org.cdcpipeline.archive;

import java.util.List;

import org.apache.avro.generic.GenericRecord;
import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collects the changes of one topic-partition into an {@link ArchiveBatch}, keeping the manual commit of the newest
 * record; once the batch is complete, gives the rows to marshal and the object key, and after the upload commits the
 * offset of the batch's last record.
 */
public final class ArchiveBatching implements AggregationStrategy {

    private static final Logger LOG = LoggerFactory.getLogger(ArchiveBatching.class);

    private final ArchiveIntake intake;
    private final ArchiveStats stats;

    public ArchiveBatching(ArchiveIntake intake, ArchiveStats stats) {
        this.intake = intake;
        this.stats = stats;
    }

    @Override
    public Exchange aggregate(Exchange oldExchange, Exchange newExchange) {
        ArchivedChange change = newExchange.getIn().getBody(ArchivedChange.class);
        stats.batched();
        if (oldExchange == null) {
            ArchiveBatch batch = new ArchiveBatch();
            batch.add(change);
            newExchange.getIn().setBody(batch);
            return newExchange;
        }
        oldExchange.getIn().getBody(ArchiveBatch.class).add(change);
        oldExchange.getIn().setHeader(KafkaConstants.MANUAL_COMMIT, newExchange.getIn().getHeader(KafkaConstants.MANUAL_COMMIT));
        return oldExchange;
    }

    /** The batch's rows as Avro records (what the parquetAvro data format marshals); sets the object key. */
    public List<GenericRecord> rows(Exchange exchange) {
        ArchiveBatch batch = exchange.getIn().getBody(ArchiveBatch.class);
        exchange.setProperty("archiveBatch", batch);
        exchange.getIn().setHeader("CamelAwsS3Key", batch.objectKey());
        return batch.records();
    }

    /** The object is in the bucket: commit the offset of the batch's last record. */
    public void written(Exchange exchange) {
        ArchiveBatch batch = exchange.getProperty("archiveBatch", ArchiveBatch.class);
        intake.written(batch.last().topic(), batch.last().partition(), batch.last().offset());
        byte[] object = exchange.getIn().getBody(byte[].class);
        stats.written(batch.table(), batch.size(), object == null ? 0 : object.length);
        KafkaManualCommit commit = exchange.getIn().getHeader(KafkaConstants.MANUAL_COMMIT, KafkaManualCommit.class);
        if (commit != null) {
            commit.commit();
        }
        LOG.info("Archived {} changes of {}-{} (offsets {}-{}) as {}", batch.size(), batch.first().topic(),
                batch.first().partition(), batch.first().offset(), batch.last().offset(), batch.objectKey());
    }
}
