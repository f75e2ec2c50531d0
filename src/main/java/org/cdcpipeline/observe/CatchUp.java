package org.cdcpipeline.observe;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Decides the catch-up progress lines: while capture or a consumer is further behind than its threshold, one
 * {@code Catching up: ...} line per measurement naming what is behind and by how much; once everything is within its
 * threshold again, one {@code Caught up} line. Thresholds, because a pipeline at work is never exactly at zero: a
 * slot holds some WAL until the next confirmation, a consumer some records until the next commit.
 */
final class CatchUp {

    private final String slot;
    private final long slotLagBytes;
    private final long consumerLagRecords;
    private boolean catchingUp;

    CatchUp(String slot, long slotLagBytes, long consumerLagRecords) {
        this.slot = slot;
        this.slotLagBytes = slotLagBytes;
        this.consumerLagRecords = consumerLagRecords;
    }

    /** The line to log for this measurement, or null when there is nothing to say. */
    String next(Lags lags) {
        List<String> behind = new ArrayList<>();
        if (lags.slotLagBytes() > slotLagBytes) {
            behind.add(String.format(Locale.ROOT, "capture (slot %s) %s of WAL", slot, bytes(lags.slotLagBytes())));
        }
        for (Map.Entry<Lags.GroupTopic, Long> lag : lags.consumerLag().entrySet()) {
            if (lag.getValue() > consumerLagRecords) {
                behind.add(String.format(Locale.ROOT, "%s lag %,d (%s)", lag.getKey().topic(), lag.getValue(),
                        lag.getKey().group()));
            }
        }
        if (!behind.isEmpty()) {
            catchingUp = true;
            return "Catching up: " + String.join(", ", behind);
        }
        if (catchingUp) {
            catchingUp = false;
            return "Caught up";
        }
        return null;
    }

    static String bytes(long bytes) {
        if (bytes < 1024 * 1024) {
            return String.format(Locale.ROOT, "%,d bytes", bytes);
        }
        return String.format(Locale.ROOT, "%,.1f MiB", bytes / (1024.0 * 1024.0));
    }
}
