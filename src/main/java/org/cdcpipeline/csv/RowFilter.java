package org.cdcpipeline.csv;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;
import org.apache.camel.Predicate;
import org.apache.camel.support.DefaultExchange;

/**
 * Keeps only the rows of a CSV file a predicate holds for, so a route file can choose rows without Java: declared as a
 * bean with a Simple predicate ({@code where: "${body[kraj]} == 'Polska'"}), called as a step of csv-import-file
 * before the rows are checked. The predicate sees each row as a map of column name to value as read; the rows it
 * refuses are skipped, not rejected. A row the parser could not read, or with a wrong count of fields, is kept: its
 * check rejects it as without the filter.
 */
public final class RowFilter implements CamelContextAware {

    private CamelContext camelContext;
    private String where;

    /** The Simple predicate a row must meet to be imported. */
    public void setWhere(String where) {
        this.where = where;
    }

    public String getWhere() {
        return where;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    /** The rows that meet the predicate, lazily; one file's rows are read by one thread at a time. */
    public CsvRows keep(CsvRows rows) {
        Predicate keep = predicate();
        List<String> header = rows.header();
        Exchange row = new DefaultExchange(camelContext);
        return rows.where(r -> {
            if (r.problem() != null || r.values().length != header.size()) {
                return true;
            }
            row.getMessage().setBody(new RowMap(header, r.values()));
            return keep.matches(row);
        });
    }

    private Predicate predicate() {
        if (where == null || where.isBlank()) {
            throw new IllegalStateException("a RowFilter needs its predicate: set where, e.g. "
                    + "where: \"${body[kraj]} == 'Polska'\"");
        }
        return camelContext.resolveLanguage("simple").createPredicate(where);
    }

    /** A row as the predicate sees it: column name to value as read. */
    private static final class RowMap extends AbstractMap<String, String> {

        private final List<String> header;
        private final String[] values;

        RowMap(List<String> header, String[] values) {
            this.header = header;
            this.values = values;
        }

        @Override
        public String get(Object column) {
            int i = header.indexOf(column);
            return i < 0 ? null : values[i];
        }

        @Override
        public boolean containsKey(Object column) {
            return header.contains(column);
        }

        @Override
        public Set<Entry<String, String>> entrySet() {
            return new AbstractSet<>() {
                @Override
                public Iterator<Entry<String, String>> iterator() {
                    Iterator<String> columns = header.iterator();
                    return new Iterator<>() {
                        private int i;

                        @Override
                        public boolean hasNext() {
                            return columns.hasNext();
                        }

                        @Override
                        public Entry<String, String> next() {
                            return new SimpleImmutableEntry<>(columns.next(), values[i++]);
                        }
                    };
                }

                @Override
                public int size() {
                    return header.size();
                }
            };
        }
    }
}
