package org.cdcpipeline.faults;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.avro.Schema;
import org.cdcpipeline.faults.ArchiveContents.ArchivedRow;
import org.cdcpipeline.faults.AuditTrail.AuditedChange;
import org.cdcpipeline.faults.KafkaChanges.Published;

/**
 * Compares what the database committed (the audit trail) with what the raw archive holds.
 *
 * <p>A change is identified by its table, row id, transaction and op; several changes of one row in one transaction
 * are told apart by their values and order. The archive's copies of one change share table, key and LSN (the contract's
 * identity): a second copy is a duplicate. Per row, the archive's changes must come in the order they were committed
 * (for one key, Kafka offset order).
 */
final class ArchiveCheck {

    private ArchiveCheck() {
    }

    /** The outcome, with everything needed to explain a failure. */
    record Result(List<AuditedChange> audited, Map<AuditedChange, ArchivedRow> archived, List<AuditedChange> missing,
                  List<List<ArchivedRow>> duplicates, List<ArchivedRow> unexpected, List<ArchivedRow> outOfOrder,
                  List<String> valueMismatches) {

        boolean exact() {
            return missing.isEmpty() && duplicates.isEmpty() && unexpected.isEmpty() && outOfOrder.isEmpty()
                    && valueMismatches.isEmpty();
        }

        int duplicateCopies() {
            return duplicates.stream().mapToInt(d -> d.size() - 1).sum();
        }
    }

    static Result compare(List<AuditedChange> audited, List<ArchivedRow> rows) {
        // one archived change per table, key and LSN; further copies are duplicates
        Map<String, List<ArchivedRow>> copies = new LinkedHashMap<>();
        for (ArchivedRow r : rows) {
            copies.computeIfAbsent(r.table() + "/" + r.id() + "/" + r.lsn(), k -> new ArrayList<>()).add(r);
        }
        List<List<ArchivedRow>> duplicates = new ArrayList<>();
        Map<String, List<ArchivedRow>> byTransaction = new HashMap<>();
        for (List<ArchivedRow> c : copies.values()) {
            c.sort(Comparator.comparingInt(ArchivedRow::partition).thenComparingLong(ArchivedRow::offset));
            if (c.size() > 1) {
                duplicates.add(c);
            }
            ArchivedRow first = c.get(0);
            byTransaction.computeIfAbsent(transactionKey(first.table(), first.id(), first.xid()), k -> new ArrayList<>()).add(first);
        }
        byTransaction.values().forEach(l -> l.sort(Comparator.comparingLong(ArchivedRow::lsn)));

        Map<AuditedChange, ArchivedRow> archived = new IdentityHashMap<>();
        List<AuditedChange> missing = new ArrayList<>();
        List<String> valueMismatches = new ArrayList<>();
        Set<ArchivedRow> used = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (AuditedChange a : audited) {
            List<ArchivedRow> candidates = byTransaction.getOrDefault(transactionKey(a.table(), a.id(), a.xid()), List.of());
            ArchivedRow match = firstUnused(candidates, used, a, true);
            if (match == null) {
                match = firstUnused(candidates, used, a, false);
                if (match != null) {
                    valueMismatches.add(a + "\n      archived as " + describe(match));
                }
            }
            if (match == null) {
                missing.add(a);
            } else {
                used.add(match);
                archived.put(a, match);
            }
        }
        List<ArchivedRow> unexpected = new ArrayList<>();
        byTransaction.values().forEach(l -> l.stream().filter(r -> !used.contains(r)).forEach(unexpected::add));
        return new Result(audited, archived, missing, duplicates, unexpected, outOfOrder(archived), valueMismatches);
    }

    private static String transactionKey(String table, int id, long xid) {
        return table + "/" + id + "/" + xid;
    }

    private static ArchivedRow firstUnused(List<ArchivedRow> candidates, Set<ArchivedRow> used, AuditedChange a, boolean sameValues) {
        for (ArchivedRow r : candidates) {
            if (!used.contains(r) && r.op().equals(a.op()) && (!sameValues || sameValues(a, r))) {
                return r;
            }
        }
        return null;
    }

    /**
     * Whether the archived row holds the values the audit recorded: text and whole-number columns compared as text;
     * a delete carries only the key (replica identity default), so only its id is compared.
     */
    static boolean sameValues(AuditedChange a, ArchivedRow r) {
        if ("d".equals(a.op())) {
            return a.id() == r.id();
        }
        Iterator<Map.Entry<String, JsonNode>> fields = a.values().fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            Schema.Field column = r.record().getSchema().getField(field.getKey());
            if (column == null) {
                return false;
            }
            Object value = r.record().get(field.getKey());
            JsonNode expected = field.getValue();
            if (expected.isNull() || value == null) {
                if (expected.isNull() != (value == null)) {
                    return false;
                }
            } else if ((expected.isTextual() && value instanceof CharSequence)
                    || (expected.isIntegralNumber() && (value instanceof Integer || value instanceof Long))) {
                if (!expected.asText().equals(value.toString())) {
                    return false;
                }
            }
            // other types (dates, decimals) are typed by the archive in ways the audit's JSON does not show
        }
        return true;
    }

    /** Archived changes of a row that come before a change committed earlier (per row, in offset order). */
    private static List<ArchivedRow> outOfOrder(Map<AuditedChange, ArchivedRow> archived) {
        Map<String, List<Map.Entry<AuditedChange, ArchivedRow>>> byRow = new HashMap<>();
        for (Map.Entry<AuditedChange, ArchivedRow> e : archived.entrySet()) {
            byRow.computeIfAbsent(e.getKey().table() + "/" + e.getKey().id(), k -> new ArrayList<>()).add(e);
        }
        List<ArchivedRow> wrong = new ArrayList<>();
        for (List<Map.Entry<AuditedChange, ArchivedRow>> changes : byRow.values()) {
            changes.sort(Comparator.comparing((Map.Entry<AuditedChange, ArchivedRow> e) -> e.getValue().partition())
                    .thenComparingLong(e -> e.getValue().offset()));
            long latest = Long.MIN_VALUE;
            for (Map.Entry<AuditedChange, ArchivedRow> e : changes) {
                if (e.getKey().seq() < latest) {
                    wrong.add(e.getValue());
                }
                latest = Math.max(latest, e.getKey().seq());
            }
        }
        return wrong;
    }

    static String describe(ArchivedRow r) {
        return r.table() + " " + r.op() + " id=" + r.id() + " tx=" + r.xid() + " lsn=" + r.lsn() + " at " + r.where();
    }

    /** Index of the change events in Kafka by table, id, transaction and op. */
    static Map<String, List<Published>> kafkaIndex(KafkaChanges kafka) {
        Map<String, List<Published>> index = new HashMap<>();
        for (Published p : kafka.records()) {
            if (p.op() != null && p.id() != null) {
                index.computeIfAbsent(transactionKey(p.table(), p.id(), p.xid()) + "/" + p.op(), k -> new ArrayList<>()).add(p);
            }
        }
        return index;
    }

    static List<Published> inKafka(Map<String, List<Published>> index, AuditedChange a) {
        return index.getOrDefault(transactionKey(a.table(), a.id(), a.xid()) + "/" + a.op(), List.of());
    }

    /** The audited changes capture never published. */
    static List<AuditedChange> notInKafka(List<AuditedChange> audited, Map<String, List<Published>> index) {
        Set<String> seen = new HashSet<>(index.keySet());
        return audited.stream().filter(a -> !seen.contains(transactionKey(a.table(), a.id(), a.xid()) + "/" + a.op())).toList();
    }
}
