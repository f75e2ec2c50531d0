package org.cdcpipeline.aggregate;

import java.util.Comparator;
import java.util.List;

import software.amazon.awssdk.services.s3.model.S3Object;

/** Which history snapshots to delete: all but the newest {@code keep} (their names sort by commit time). */
public final class SnapshotHistory {

    private SnapshotHistory() {
    }

    public static List<String> expired(List<S3Object> history, int keep) {
        List<String> keys = history.stream().map(S3Object::key).sorted(Comparator.reverseOrder()).toList();
        return keys.size() <= keep ? List.of() : keys.subList(keep, keys.size());
    }
}
