package org.cdcpipeline.faults;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What happened when during a run: each round's fault, its repair, and anything the pipeline did on its own. */
final class FaultTimeline {

    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    private final List<Entry> entries = new ArrayList<>();

    record Entry(int round, Fault fault, Instant start, Instant end, String note, boolean incident) {

        @Override
        public String toString() {
            String what = fault == null ? note : fault.description() + (note.isEmpty() ? "" : " (" + note + ")");
            return String.format("%s-%s  %s  %s", TIME.format(start), TIME.format(end),
                    round > 0 ? "round " + round + ":" : incident ? "INCIDENT:" : "        ", what);
        }
    }

    synchronized void injected(int round, Fault fault, Instant start, String note) {
        entries.add(new Entry(round, fault, start, Instant.now(), note, false));
    }

    /** Something the scenario does besides faults (a table created), shown in the timeline. */
    synchronized void event(String note) {
        entries.add(new Entry(0, null, Instant.now(), Instant.now(), note, false));
    }

    /** Something that went wrong besides the faults drawn (the pipeline exited on its own): the run fails. */
    synchronized void incident(String note) {
        entries.add(new Entry(0, null, Instant.now(), Instant.now(), note, true));
    }

    synchronized List<Fault> faults() {
        return entries.stream().filter(e -> e.fault() != null).map(Entry::fault).toList();
    }

    synchronized Map<Fault, Integer> counts() {
        Map<Fault, Integer> counts = new EnumMap<>(Fault.class);
        faults().forEach(f -> counts.merge(f, 1, Integer::sum));
        return counts;
    }

    synchronized List<String> incidents() {
        return entries.stream().filter(Entry::incident).map(Entry::note).toList();
    }

    /** The last fault that began before {@code moment}, with how long before. */
    synchronized Optional<String> lastFaultBefore(Instant moment) {
        Entry last = null;
        for (Entry e : entries) {
            if (e.fault() != null && !e.start().isAfter(moment)) {
                last = e;
            }
        }
        if (last == null) {
            return Optional.empty();
        }
        Duration before = Duration.between(last.start(), moment);
        return Optional.of("round " + last.round() + " (" + last.fault().name() + ") began " + before.toMillis() / 1000.0
                + " s before, ended " + (last.end().isBefore(moment) ? Duration.between(last.end(), moment).toMillis() / 1000.0
                + " s before" : "after it"));
    }

    /** The first fault that began after {@code moment}. */
    synchronized Optional<String> nextFaultAfter(Instant moment) {
        for (Entry e : entries) {
            if (e.fault() != null && e.start().isAfter(moment)) {
                return Optional.of("round " + e.round() + " (" + e.fault().name() + ") began "
                        + Duration.between(moment, e.start()).toMillis() / 1000.0 + " s after");
            }
        }
        return Optional.empty();
    }

    @Override
    public synchronized String toString() {
        StringBuilder b = new StringBuilder();
        entries.stream().sorted(java.util.Comparator.comparing(Entry::start)).forEach(e -> b.append("  ").append(e).append('\n'));
        return b.toString();
    }
}
