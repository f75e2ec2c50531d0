package org.cdcpipeline.faults;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.cdcpipeline.faults.ArchiveContents.ArchiveObject;
import org.cdcpipeline.faults.ArchiveContents.ArchivedRow;
import org.cdcpipeline.faults.AuditTrail.AuditedChange;
import org.cdcpipeline.faults.KafkaChanges.Published;

/**
 * Explains a mismatch between the audit trail and the archive: which changes are missing (and where Kafka holds them,
 * and which objects are around them), which are duplicated (and in which objects), which came out of order, and the
 * offset ranges each topic-partition's objects cover, with their gaps and overlaps.
 */
final class ArchiveDiagnosis {

    private static final int EXAMPLES = 10;

    private final ArchiveCheck.Result result;
    private final KafkaChanges kafka;
    private final ArchiveContents archive;
    private final FaultTimeline timeline;
    private final Map<String, List<Published>> kafkaIndex;

    ArchiveDiagnosis(ArchiveCheck.Result result, KafkaChanges kafka, ArchiveContents archive, FaultTimeline timeline) {
        this.result = result;
        this.kafka = kafka;
        this.archive = archive;
        this.timeline = timeline;
        this.kafkaIndex = ArchiveCheck.kafkaIndex(kafka);
    }

    List<AuditedChange> notInKafka() {
        return ArchiveCheck.notInKafka(result.audited(), kafkaIndex);
    }

    String summary() {
        return String.format("%d changes committed; %d archived; %d missing (%d of them never reached Kafka); "
                        + "%d duplicate copies; %d archived changes not committed as such; %d out of order per row; "
                        + "%d with other values", result.audited().size(), result.archived().size(), result.missing().size(),
                notInKafka().size(), result.duplicateCopies(), result.unexpected().size(), result.outOfOrder().size(),
                result.valueMismatches().size());
    }

    String explain() {
        StringBuilder b = new StringBuilder();
        b.append("Raw archive vs audit trail: ").append(summary()).append('\n');
        Set<String> partitionsToShow = new TreeSet<>();
        missing(b, partitionsToShow);
        duplicates(b, partitionsToShow);
        list(b, "Archived changes that were not committed as such (e.g. snapshot rows, op r)", result.unexpected().stream()
                .map(ArchiveCheck::describe).toList());
        list(b, "Changes archived before a change of the same row committed earlier", result.outOfOrder().stream()
                .map(ArchiveCheck::describe).toList());
        list(b, "Changes archived with other values than committed", result.valueMismatches());
        for (String topicPartition : partitionsToShow) {
            coverage(b, topicPartition);
        }
        return b.toString();
    }

    private void missing(StringBuilder b, Set<String> partitionsToShow) {
        if (result.missing().isEmpty()) {
            return;
        }
        List<AuditedChange> lost = notInKafka();
        list(b, "Committed changes capture never published to Kafka", lost.stream().map(AuditedChange::toString).toList());
        // the missing changes Kafka holds, as ranges of offsets no archived change lies within
        Map<String, TreeMap<Long, AuditedChange>> byPartition = new TreeMap<>();
        for (AuditedChange a : result.missing()) {
            List<Published> copies = ArchiveCheck.inKafka(kafkaIndex, a);
            if (!copies.isEmpty()) {
                Published p = copies.get(0);
                byPartition.computeIfAbsent(p.topic() + "-" + p.partition(), k -> new TreeMap<>()).put(p.offset(), a);
            }
        }
        Map<String, NavigableSet<Long>> archivedOffsets = archivedOffsets();
        for (Map.Entry<String, TreeMap<Long, AuditedChange>> partition : byPartition.entrySet()) {
            partitionsToShow.add(partition.getKey());
            NavigableSet<Long> present = archivedOffsets.getOrDefault(partition.getKey(), new TreeSet<>());
            b.append("Missing from the archive, in Kafka ").append(partition.getKey()).append(":\n");
            Long start = null;
            Long previous = null;
            List<AuditedChange> range = new ArrayList<>();
            for (Map.Entry<Long, AuditedChange> e : partition.getValue().entrySet()) {
                if (previous != null && !present.subSet(previous, false, e.getKey(), false).isEmpty()) {
                    range(b, partition.getKey(), start, previous, range);
                    start = null;
                    range = new ArrayList<>();
                }
                if (start == null) {
                    start = e.getKey();
                }
                range.add(e.getValue());
                previous = e.getKey();
            }
            range(b, partition.getKey(), start, previous, range);
        }
    }

    private void range(StringBuilder b, String topicPartition, long first, long last, List<AuditedChange> changes) {
        Instant from = changes.stream().map(AuditedChange::at).min(Comparator.naturalOrder()).orElseThrow();
        Instant to = changes.stream().map(AuditedChange::at).max(Comparator.naturalOrder()).orElseThrow();
        b.append(String.format("  offsets %d-%d: %d changes committed %s-%s; %s; %s%n", first, last, changes.size(),
                FaultTimeline.TIME.format(from), FaultTimeline.TIME.format(to),
                timeline.lastFaultBefore(from).orElse("no fault before"),
                timeline.nextFaultAfter(to).orElse("no fault after")));
        b.append("    objects around it: ").append(neighbours(topicPartition, first, last)).append('\n');
        changes.stream().limit(3).forEach(c -> b.append("    e.g. ").append(c).append('\n'));
    }

    private String neighbours(String topicPartition, long first, long last) {
        ArchiveObject before = null;
        ArchiveObject after = null;
        List<String> covering = new ArrayList<>();
        for (ArchiveObject o : objectsOf(topicPartition)) {
            if (o.last() < first && (before == null || o.last() > before.last())) {
                before = o;
            } else if (o.first() > last && (after == null || o.first() < after.first())) {
                after = o;
            } else if (o.first() <= last && o.last() >= first) {
                covering.add(o.fileName());
            }
        }
        return "last before " + (before == null ? "none" : before.fileName()) + ", first after "
                + (after == null ? "none" : after.fileName())
                + (covering.isEmpty() ? ", none covers these offsets" : ", covering yet lacking them: " + covering);
    }

    private void duplicates(StringBuilder b, Set<String> partitionsToShow) {
        List<String> lines = new ArrayList<>();
        for (List<ArchivedRow> copies : result.duplicates()) {
            ArchivedRow first = copies.get(0);
            partitionsToShow.add(first.object().topic() + "-" + first.partition());
            lines.add(first.table() + " " + first.op() + " id=" + first.id() + " lsn=" + first.lsn() + " archived "
                    + copies.size() + " times: " + copies.stream().map(ArchivedRow::where).toList());
        }
        list(b, "Changes archived more than once (same table, key and LSN)", lines);
    }

    /** The offset ranges of a topic-partition's objects, and the gaps and overlaps between them. */
    private void coverage(StringBuilder b, String topicPartition) {
        List<ArchiveObject> objects = objectsOf(topicPartition);
        objects.sort(Comparator.comparingLong(ArchiveObject::first).thenComparingLong(ArchiveObject::last));
        b.append("Objects of ").append(topicPartition).append(" (").append(objects.size()).append(", end offset in Kafka ")
                .append(endOffset(topicPartition)).append(", committed offset of group ").append(KafkaChanges.ARCHIVE_GROUP)
                .append(": ").append(offsetOf(kafka.archiveCommitted(), topicPartition)).append("), offset ranges: ");
        b.append(String.join(" ", objects.stream().map(ArchiveObject::range).toList())).append('\n');
        Set<String> archivedChanges = new HashSet<>();
        archive.rows().forEach(r -> archivedChanges.add(r.table() + "/" + r.id() + "/" + r.lsn()));
        long covered = -1;
        for (ArchiveObject o : objects) {
            if (o.first() <= covered) {
                b.append("  overlap: ").append(o.fileName()).append(" begins at ").append(o.first())
                        .append(", offsets up to ").append(covered).append(" were already covered\n");
            } else if (o.first() > covered + 1) {
                gap(b, topicPartition, covered + 1, o.first() - 1, archivedChanges);
            }
            covered = Math.max(covered, o.last());
        }
        long end = endOffset(topicPartition);
        if (end - 1 > covered) {
            gap(b, topicPartition, covered + 1, end - 1, archivedChanges);
        }
    }

    /** A gap holds only tombstones and replays (fine), or change events no object has (lost). */
    private void gap(StringBuilder b, String topicPartition, long from, long to, Set<String> archivedChanges) {
        int events = 0;
        int notArchived = 0;
        for (Published p : kafka.records()) {
            if ((p.topic() + "-" + p.partition()).equals(topicPartition) && p.offset() >= from && p.offset() <= to && p.op() != null) {
                events++;
                if (!archivedChanges.contains(p.table() + "/" + p.id() + "/" + p.lsn())) {
                    notArchived++;
                }
            }
        }
        if (events > 0) {
            b.append(String.format("  gap: offsets %d-%d are in no object: %d change events, %d of them in no other object%n",
                    from, to, events, notArchived));
        }
    }

    private List<ArchiveObject> objectsOf(String topicPartition) {
        List<ArchiveObject> objects = new ArrayList<>();
        for (ArchiveObject o : archive.objects()) {
            if ((o.topic() + "-" + o.partition()).equals(topicPartition)) {
                objects.add(o);
            }
        }
        return objects;
    }

    private long endOffset(String topicPartition) {
        return offsetOf(kafka.endOffsets(), topicPartition);
    }

    private static long offsetOf(Map<org.apache.kafka.common.TopicPartition, Long> offsets, String topicPartition) {
        return offsets.entrySet().stream()
                .filter(e -> (e.getKey().topic() + "-" + e.getKey().partition()).equals(topicPartition))
                .mapToLong(Map.Entry::getValue).findFirst().orElse(-1);
    }

    private Map<String, NavigableSet<Long>> archivedOffsets() {
        Map<String, NavigableSet<Long>> offsets = new HashMap<>();
        for (ArchivedRow r : archive.rows()) {
            offsets.computeIfAbsent(r.object().topic() + "-" + r.partition(), k -> new TreeSet<>()).add(r.offset());
        }
        return offsets;
    }

    private static void list(StringBuilder b, String title, List<String> lines) {
        if (lines.isEmpty()) {
            return;
        }
        b.append(title).append(": ").append(lines.size()).append('\n');
        lines.stream().limit(EXAMPLES).forEach(l -> b.append("  ").append(l).append('\n'));
        if (lines.size() > EXAMPLES) {
            b.append("  ... and ").append(lines.size() - EXAMPLES).append(" more\n");
        }
    }
}
