package org.cdcpipeline.archive;

import java.util.List;

/** The archive's objects in the bucket, as far as resuming needs them. */
public interface ArchiveObjects {

    /** Keys of every object under the prefix. */
    List<String> list(String prefix);

    /** The (key, LSN) identities of the changes a Parquet object holds. */
    List<String> identities(String key);
}
