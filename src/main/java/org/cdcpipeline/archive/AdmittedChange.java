package org.cdcpipeline.archive;

/**
 * A change the archive accepted, with its place among the partition's batches: the first offset its batch accounts for
 * if it opens one (the offset after the previous change admitted, so the records in between count as covered), the
 * batch it belongs to ({@code <topic>-<partition>-<epoch>-<segment>}; a new epoch starts at every partition
 * assignment, a new segment where the rows' columns change).
 */
public record AdmittedChange(ArchivedChange change, long coverFrom, int epoch, String batchKey) {
}
