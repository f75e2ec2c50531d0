package org.cdcpipeline.doctor;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import org.cdcpipeline.SqlIdentifiers;
import org.cdcpipeline.cdc.CaptureLock;
import org.cdcpipeline.cdc.CapturedTables;
import org.cdcpipeline.cdc.CapturedTables.TableId;
import org.cdcpipeline.cdc.SlotLag;

/**
 * What change capture needs in PostgreSQL: the replication slot (there, held by capture, and how much WAL it holds
 * back), the publication (there, holding exactly the captured tables) and REPLICA IDENTITY FULL on captured tables.
 */
final class DebeziumCheck {

    static final String NAME = "debezium";
    private static final String IDENTITY_SQL = """
            SELECT n.nspname, c.relname, c.relreplident FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'p')""";

    /** At most this many of the slot's changes are decoded to find the one capture fails on (a bound on memory). */
    private static final int DECODED_CHANGES = 100_000;

    private DebeziumCheck() {
    }

    static List<CheckResult> run(DoctorSettings settings) {
        if (!settings.flag("cdc.enabled")) {
            return List.of(CheckResult.ok(NAME, "change capture is disabled (cdc.enabled=false): slot and publication not checked"));
        }
        List<CheckResult> results = new ArrayList<>();
        try (Connection c = PostgresClient.connect(settings)) {
            slot(c, settings, results);
            instances(c, settings, results);
            Set<TableId> wanted = CapturedTables.wantedTables(c, settings.get("cdc.tables"), settings.get("cdc.signal-table"));
            publication(c, settings, wanted, results);
            replicaIdentity(c, settings, wanted, results);
        } catch (SQLException e) {
            results.add(PostgresClient.failure(NAME, settings, e));
        }
        return results;
    }

    private static void slot(Connection c, DoctorSettings settings, List<CheckResult> results) throws SQLException {
        String slot = settings.get("cdc.slot-name");
        Optional<SlotLag.Reading> reading = SlotLag.read(c, slot);
        if (reading.isEmpty()) {
            results.add(CheckResult.fail(NAME, "replication slot " + slot + " does not exist",
                    "start the pipeline: capture creates the slot on its first start (if it runs, see its log for cdc-capture errors)"));
            return;
        }
        long lag = reading.get().lagBytes();
        long warnBytes = Long.parseLong(settings.get("cdc.slot-lag-warn-bytes").trim());
        String detail = "replication slot " + slot + " " + (reading.get().active() ? "active" : "inactive") + ", lag " + lag + " bytes";
        if (!reading.get().active()) {
            Optional<String> unreadable = decodingError(c, slot, settings.get("cdc.publication-name"));
            if (unreadable.isPresent()) {
                results.add(CheckResult.fail(NAME, detail + ": PostgreSQL cannot decode it: " + unreadable.get(),
                        decodingFix(slot, unreadable.get())));
                return;
            }
            results.add(CheckResult.warn(NAME, detail + ": no capture reads it, and PostgreSQL keeps its WAL",
                    "start the pipeline (if it runs, its readiness check capture-streaming and its log say why capture "
                            + "does not read the slot); if capture is retired, drop the slot: SELECT "
                            + "pg_drop_replication_slot('" + slot + "')"));
        } else if (lag > warnBytes) {
            results.add(CheckResult.warn(NAME, detail + ", more than cdc.slot-lag-warn-bytes (" + warnBytes + ")",
                    "capture is behind: see the pipeline log (Kafka slow or down?) and doctor --component kafka"));
        } else {
            results.add(CheckResult.ok(NAME, detail));
        }
    }

    /**
     * Decodes the slot's next changes as capture would, without consuming them: the error PostgreSQL gives capture
     * at every retry, if any. Capture confirms its position only now and then, so the change it fails on may come
     * after many it has read already: up to {@value #DECODED_CHANGES} are decoded. Empty when they decode, or when
     * these credentials may not read the slot.
     */
    private static Optional<String> decodingError(Connection c, String slot, String publication) {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM pg_logical_slot_peek_binary_changes(?, NULL, "
                + DECODED_CHANGES + ", 'proto_version', '1', 'publication_names', ?)")) {
            ps.setString(1, slot);
            ps.setString(2, publication);
            ps.executeQuery().close();
            return Optional.empty();
        } catch (SQLException e) {
            // insufficient privilege, or capture took the slot meanwhile: nothing learnt
            if ("42501".equals(e.getSQLState()) || "55006".equals(e.getSQLState())) {
                return Optional.empty();
            }
            return Optional.of(String.valueOf(e.getMessage()).replaceAll("\\s+", " ").trim());
        }
    }

    private static String decodingFix(String slot, String error) {
        if (error.contains("publication") && error.contains("does not exist")) {
            return "the publication was dropped while capture ran, and the slot cannot decode the changes made before it "
                    + "existed again (capture retries them without end, and cannot capture them any more). Drop the slot: "
                    + "SELECT pg_drop_replication_slot('" + slot + "') (again if PostgreSQL says it is active: capture "
                    + "retries every cdc.reconnect-wait-ms), then restart the pipeline once with "
                    + "cdc.snapshot-mode=when_needed (CDC_SNAPSHOT_MODE): capture makes the slot again and, its saved "
                    + "position being older than the slot, publishes every captured row again, then streams";
        }
        return "capture fails on this at every retry: remove the cause, and see the pipeline log (Debezium's "
                + "ErrorHandler) and its readiness check capture-streaming";
    }

    /** Every instance of the pipeline on this slot, as PostgreSQL sees it connected, and which one captures. */
    private static void instances(Connection c, DoctorSettings settings, List<CheckResult> results) throws SQLException {
        String slot = settings.get("cdc.slot-name");
        List<String> instances = CaptureLock.instances(c, slot);
        if (instances.isEmpty()) {
            results.add(CheckResult.ok(NAME, "no instance of the pipeline is connected for slot " + slot));
            return;
        }
        if (instances.stream().noneMatch(i -> i.endsWith(" capturing"))) {
            results.add(CheckResult.warn(NAME, instances.size() + " instance(s) connected for slot " + slot
                    + ", none holds capture's lock", "see the instances' logs (CaptureRole): one takes it within "
                    + "cdc.role-check-interval-ms unless PostgreSQL refuses it"));
        }
        for (String instance : instances) {
            results.add(CheckResult.ok(NAME, "instance " + instance));
        }
    }

    private static void publication(Connection c, DoctorSettings settings, Set<TableId> wanted, List<CheckResult> results)
            throws SQLException {
        String publication = settings.get("cdc.publication-name");
        if (!CapturedTables.publicationExists(c, publication)) {
            results.add(CheckResult.fail(NAME, "publication " + publication + " does not exist",
                    "start the pipeline: capture creates it at start"));
            return;
        }
        Set<TableId> published = CapturedTables.publishedTables(c, publication);
        Set<TableId> extra = new LinkedHashSet<>(published);
        extra.removeAll(wanted);
        Set<TableId> missing = new LinkedHashSet<>(wanted);
        missing.removeAll(published);
        String quoted = SqlIdentifiers.quote(publication);
        if (!extra.isEmpty()) {
            results.add(CheckResult.fail(NAME, "publication " + publication + " already exists with other tables: "
                    + names(extra) + " (not in cdc.tables " + settings.get("cdc.tables") + ")",
                    "restart the pipeline, which corrects the publication at start, or ALTER PUBLICATION " + quoted
                            + " DROP TABLE " + quotedNames(extra) + " (or give this pipeline its own CDC_PUBLICATION_NAME)"));
        }
        if (!missing.isEmpty()) {
            results.add(CheckResult.fail(NAME, "publication " + publication + " lacks captured tables: " + names(missing),
                    "the running pipeline adds them within cdc.table-discovery-interval-ms, a restart at once; or ALTER PUBLICATION "
                            + quoted + " ADD TABLE " + quotedNames(missing)));
        }
        if (extra.isEmpty() && missing.isEmpty()) {
            TableId signal = TableId.parse(settings.get("cdc.signal-table"));
            results.add(CheckResult.ok(NAME, "publication " + publication + " holds exactly the captured tables ("
                    + wanted.stream().filter(t -> !t.equals(signal)).count() + ", and the signal table " + signal + ")"));
        }
    }

    private static void replicaIdentity(Connection c, DoctorSettings settings, Set<TableId> wanted,
                                        List<CheckResult> results) throws SQLException {
        Map<TableId, String> identities = new HashMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(IDENTITY_SQL)) {
            while (rs.next()) {
                identities.put(new TableId(rs.getString(1), rs.getString(2)), rs.getString(3));
            }
        }
        TableId signal = TableId.parse(settings.get("cdc.signal-table"));
        List<TableId> captured = wanted.stream().filter(t -> !t.equals(signal)).toList();
        if (captured.isEmpty()) {
            results.add(CheckResult.warn(NAME, "no table matches cdc.tables (" + settings.get("cdc.tables") + ")",
                    "drop a CSV file into " + settings.get("csv.dir") + "/ or correct CDC_TABLES"));
        }
        for (TableId t : captured) {
            String identity = identities.getOrDefault(t, "?");
            if ("f".equals(identity)) {
                results.add(CheckResult.ok(NAME, "table " + t + " REPLICA IDENTITY FULL"));
            } else {
                results.add(CheckResult.warn(NAME, "table " + t + " REPLICA IDENTITY " + identityName(identity)
                                + ": updates and deletes carry no before-image",
                        "ALTER TABLE " + t.quoted() + " REPLICA IDENTITY FULL"));
            }
        }
    }

    private static String identityName(String code) {
        return switch (code) {
            case "d" -> "DEFAULT";
            case "n" -> "NOTHING";
            case "i" -> "USING INDEX";
            default -> code;
        };
    }

    private static String names(Set<TableId> tables) {
        return tables.stream().map(TableId::toString).collect(Collectors.joining(", "));
    }

    private static String quotedNames(Set<TableId> tables) {
        return tables.stream().map(TableId::quoted).collect(Collectors.joining(", "));
    }
}
