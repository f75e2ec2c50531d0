package org.cdcpipeline.cdc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How much WAL the replication slot holds back: the bytes between the server's current WAL position and the last
 * position capture confirmed. A slot whose consumer is gone keeps growing this until the disk fills, so it is logged
 * periodically (a warning past cdc.slot-lag-warn-bytes) and kept for health checks.
 */
public final class SlotLag {

    private static final Logger LOG = LoggerFactory.getLogger(SlotLag.class);
    private static final String LAG_SQL = """
            SELECT active, pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint
              FROM pg_replication_slots WHERE slot_name = ?""";

    private final DataSource dataSource;
    private final String slot;
    private final long warnBytes;
    private volatile long lastLagBytes = -1;

    public SlotLag(DataSource dataSource, String slot, long warnBytes) {
        this.dataSource = dataSource;
        this.slot = slot;
        this.warnBytes = warnBytes;
    }

    /** Whether a consumer holds the slot, and the WAL it holds back in bytes. */
    public record Reading(boolean active, long lagBytes) {
    }

    /** The slot's state now; empty when it does not exist. */
    public static Optional<Reading> read(Connection c, String slot) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(LAG_SQL)) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Reading(rs.getBoolean(1), rs.getLong(2))) : Optional.empty();
            }
        }
    }

    /** Measures and logs the lag; -1 when the slot does not exist (yet) or PostgreSQL is unreachable. */
    public long report() {
        try (Connection c = dataSource.getConnection()) {
            Optional<Reading> reading = read(c, slot);
            if (reading.isEmpty()) {
                lastLagBytes = -1;
                LOG.info("Replication slot {} does not exist yet", slot);
                return -1;
            }
            boolean active = reading.get().active();
            long lag = reading.get().lagBytes();
            lastLagBytes = lag;
            if (lag > warnBytes) {
                LOG.warn("Replication slot {} holds {} bytes of WAL ({}): capture is behind or stopped; "
                        + "PostgreSQL keeps this WAL until capture catches up", slot, lag, active ? "active" : "inactive");
            } else {
                LOG.info("Replication slot {}: {} bytes behind ({})", slot, lag, active ? "active" : "inactive");
            }
            return lag;
        } catch (SQLException e) {
            LOG.warn("Cannot read the lag of replication slot {}: {}", slot, e.getMessage());
            lastLagBytes = -1;
            return -1;
        }
    }

    /** Measures the lag without logging it: bytes, or -1 when the slot does not exist (yet). */
    public long measure() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            lastLagBytes = read(c, slot).map(Reading::lagBytes).orElse(-1L);
            return lastLagBytes;
        }
    }

    public String slot() {
        return slot;
    }

    /** The lag measured last, in bytes; -1 if unknown. */
    public long lastLagBytes() {
        return lastLagBytes;
    }
}
