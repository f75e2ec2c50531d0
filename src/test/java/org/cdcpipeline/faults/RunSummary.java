package org.cdcpipeline.faults;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The figures of one fault-injection run, written as {@code summary.properties} next to its logs, for
 * {@code bench/soak.sh} and for a person reading a CI failure.
 */
final class RunSummary {

    private final Map<String, String> values = new LinkedHashMap<>();

    RunSummary put(String key, Object value) {
        values.put(key, String.valueOf(value).replace("\n", " | "));
        return this;
    }

    static RunSummary of(long seed, int rounds, FaultTimeline timeline, long seconds, ArchiveCheck.Result archive,
                         ArchiveDiagnosis diagnosis, List<String> aggregateDifferences) {
        return new RunSummary()
                .put("seed", seed)
                .put("rounds", rounds)
                .put("faults", timeline.faults().stream().map(Enum::name).collect(Collectors.joining(" ")))
                .put("fault.counts", timeline.counts())
                .put("incidents", timeline.incidents())
                .put("seconds", seconds)
                .put("changes", archive.audited().size())
                .put("archived", archive.archived().size())
                .put("lost", archive.missing().size())
                .put("lost.before.kafka", diagnosis.notInKafka().size())
                .put("duplicated", archive.duplicateCopies())
                .put("unexpected", archive.unexpected().size())
                .put("out.of.order", archive.outOfOrder().size())
                .put("other.values", archive.valueMismatches().size())
                .put("aggregates", aggregateDifferences.isEmpty() ? "equal GROUP BY" : String.join("; ", aggregateDifferences));
    }

    void write(Path file) throws IOException {
        StringBuilder b = new StringBuilder();
        values.forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
        Files.writeString(file, b.toString(), StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
