package org.cdcpipeline.dashboard;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.cdcpipeline.aggregate.Aggregate;
import org.cdcpipeline.aggregate.AggregateDefinition;
import org.cdcpipeline.aggregate.AggregateFunction;
import org.cdcpipeline.aggregate.AggregateSnapshot;
import org.cdcpipeline.aggregate.AggregateStats;
import org.cdcpipeline.aggregate.AggregateStore;
import org.cdcpipeline.aggregate.Bucket;
import org.cdcpipeline.aggregate.ColumnType;

/**
 * Every aggregate of this run as the dashboard shows it: its definition, the chart its definition calls for, and its
 * current groups, read from the state the Parquet snapshots are written from (so the page and processed-data/ agree).
 * An aggregate's state is read again only after it applied changes, and not more often than twice the time its last
 * read took: however many pages poll, a large aggregate costs PostgreSQL a bounded share of its time.
 */
public final class AggregateViews {

    /** Groups sent per aggregate: a bar chart of more is unreadable; the card says how many there are. */
    static final int MAX_GROUPS = 100;
    /** Rows of a mirror sent for its timeline. */
    static final int MAX_ITEMS = 200;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final AggregateStats aggregates;
    private final long minReadIntervalNanos;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    private record Cached(Map<String, Object> view, long applied, long readAtNanos, long readNanos) {
    }

    /** A column's quality figures. */
    record ColumnView(String column, long rows, long nulls, Long empty) {
    }

    /** A mirror's timeline: which columns it is drawn from, the rows shown and how many rows there are. */
    record Timeline(String label, String start, String end, String status, List<TimelineItem> items, long total) {
    }

    /** A row on a timeline. */
    record TimelineItem(String id, String label, String start, String end, String status) {
    }

    /** @param minReadIntervalMillis an aggregate's state is read at most this often */
    public AggregateViews(AggregateStats aggregates, long minReadIntervalMillis) {
        this.aggregates = aggregates;
        this.minReadIntervalNanos = minReadIntervalMillis * 1_000_000L;
    }

    /** {"aggregates": [...]} as JSON, in the order the aggregates were defined. */
    public String json() throws JsonProcessingException {
        List<Map<String, Object>> views = new ArrayList<>();
        for (Aggregate aggregate : aggregates.aggregates()) {
            views.add(view(aggregate));
        }
        return JSON.writeValueAsString(Map.of("aggregates", views));
    }

    private Map<String, Object> view(Aggregate aggregate) {
        long applied = aggregate.applied();
        long now = System.nanoTime();
        Cached cached = cache.get(aggregate.name());
        if (cached != null && (cached.applied() == applied
                || now - cached.readAtNanos() < Math.max(minReadIntervalNanos, 2 * cached.readNanos()))) {
            return cached.view();
        }
        Map<String, Object> view = describe(aggregate.definition());
        try {
            read(aggregate, view);
            view.put("error", null);
        } catch (Exception e) {
            // the last good figures stay on the page, with why they are not current
            if (cached != null) {
                view = new LinkedHashMap<>(cached.view());
            }
            view.put("error", "cannot read the aggregate's state now: " + e.getMessage());
            return view;
        }
        cache.put(aggregate.name(), new Cached(view, applied, now, System.nanoTime() - now));
        return view;
    }

    /** The definition's part of a view, and the chart it calls for. */
    static Map<String, Object> describe(AggregateDefinition definition) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("name", definition.name());
        view.put("table", definition.table());
        view.put("function", definition.function().name().toLowerCase(Locale.ROOT));
        view.put("groupBy", definition.groupBy());
        view.put("valueName", definition.function() == AggregateFunction.QUALITY
                || definition.function() == AggregateFunction.MIRROR ? "" : definition.valueName());
        view.put("join", definition.join() == null ? null : definition.join().table());
        view.put("bucket", definition.bucket().parameter());
        view.put("chart", chart(definition));
        return view;
    }

    /** bucketed by a width: histogram; by a date unit: line; quality: its figures per column; mirror: timeline. */
    static String chart(AggregateDefinition definition) {
        return switch (definition.function()) {
            case QUALITY -> "quality";
            case MIRROR -> "timeline";
            default -> definition.bucket() instanceof Bucket.Width ? "histogram"
                    : definition.bucket() instanceof Bucket.Calendar ? "line" : "bar";
        };
    }

    private static void read(Aggregate aggregate, Map<String, Object> view) throws Exception {
        if (aggregate.isMirror()) {
            readMirror(aggregate.mirrorSample(MAX_ITEMS), view);
            return;
        }
        AggregateSnapshot snapshot = aggregate.snapshot();
        view.put("asOfCommitTime", asOf(snapshot.asOfTsMs()));
        view.put("rows", snapshot.groups().stream().mapToLong(AggregateSnapshot.Group::rows).sum());
        if (aggregate.isQuality()) {
            List<ColumnView> columns = new ArrayList<>();
            aggregate.quality().forEach((column, figures) ->
                    columns.add(new ColumnView(column, figures.rows(), figures.nulls(), figures.empty())));
            view.put("groupCount", columns.size());
            view.put("truncated", false);
            view.put("groups", List.of());
            view.put("columns", columns);
            view.put("timeline", null);
            return;
        }
        List<AggregateSnapshot.Group> groups = new ArrayList<>(snapshot.groups());
        groups.sort(order((String) view.get("chart"), snapshot.columns().groupType()));
        // a group's JSON is its record's: group, value, rows
        List<AggregateSnapshot.Group> shown = List.copyOf(groups.subList(0, Math.min(MAX_GROUPS, groups.size())));
        view.put("groupCount", groups.size());
        view.put("truncated", groups.size() > MAX_GROUPS);
        view.put("groups", shown);
        view.put("columns", null);
        view.put("timeline", null);
    }

    /**
     * A bar chart shows the largest groups first; a histogram or a line follows its groups' own order (numbers by
     * value, dates as ISO text sort); the NULL group comes last.
     */
    static Comparator<AggregateSnapshot.Group> order(String chart, ColumnType groupType) {
        Comparator<String> byGroup = switch (groupType.kind()) {
            case INT, LONG, DECIMAL, FLOAT, DOUBLE -> Comparator.comparing(BigDecimal::new);
            default -> Comparator.naturalOrder();
        };
        Comparator<AggregateSnapshot.Group> nullLast = Comparator.comparing(g -> g.group() == null);
        if (!chart.equals("bar")) {
            return nullLast.thenComparing(AggregateSnapshot.Group::group, Comparator.nullsLast(byGroup));
        }
        return nullLast.thenComparing(AggregateSnapshot.Group::value,
                Comparator.nullsLast(Comparator.<BigDecimal>reverseOrder()))
                .thenComparing(AggregateSnapshot.Group::group, Comparator.nullsLast(Comparator.naturalOrder()));
    }

    /**
     * A mirror's timeline: one item per row, from its first date column to its second, labelled by its first text
     * column and coloured by a column named status (or its second text column); a table without two date columns has
     * no timeline and is shown as its row count.
     */
    private static void readMirror(AggregateStore.MirrorSample sample, Map<String, Object> view) throws Exception {
        view.put("asOfCommitTime", asOf(sample.asOfTsMs()));
        view.put("rows", sample.rows());
        view.put("groupCount", 0);
        view.put("truncated", sample.rows() > sample.images().size());
        view.put("groups", List.of());
        view.put("columns", null);
        List<String> dates = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        sample.columns().forEach((column, type) -> {
            if (type.kind() == ColumnType.Kind.DATE || type.kind() == ColumnType.Kind.TIMESTAMP
                    || type.kind() == ColumnType.Kind.TIMESTAMPTZ) {
                dates.add(column);
            } else if (type.kind() == ColumnType.Kind.TEXT && !column.equals("id")) {
                texts.add(column);
            }
        });
        if (dates.size() < 2) {
            view.put("chart", "table");
            view.put("timeline", null);
            return;
        }
        String label = texts.isEmpty() ? "id" : texts.get(0);
        String status = sample.columns().containsKey("status") ? "status" : texts.size() > 1 ? texts.get(1) : null;
        List<TimelineItem> items = new ArrayList<>();
        for (String image : sample.images()) {
            JsonNode row = JSON.readTree(image);
            items.add(new TimelineItem(text(row, "id"), text(row, label), text(row, dates.get(0)),
                    text(row, dates.get(1)), status == null ? null : text(row, status)));
        }
        // a timeline reads from the earliest start down
        items.sort(Comparator.comparing(TimelineItem::start, Comparator.nullsLast(Comparator.naturalOrder())));
        view.put("timeline", new Timeline(label, dates.get(0), dates.get(1), status, items, sample.rows()));
    }

    private static String text(JsonNode row, String column) {
        JsonNode value = row.get(column);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static String asOf(long commitTsMs) {
        return commitTsMs > 0 ? Instant.ofEpochMilli(commitTsMs).toString() : null;
    }
}
