package org.cdcpipeline.csv;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * The ids seen so far in one file, to reject duplicates. Integer ids, the common case, are kept in an open-addressing
 * table of longs (16 bytes per id at most) so a file of millions of rows fits a small heap.
 */
final class IdSet {

    private static final long EMPTY = Long.MIN_VALUE;

    private long[] table = newTable(1 << 12);
    private int size;
    private boolean hasEmptyMarker;
    private final Set<String> others = new HashSet<>();
    private final boolean integerIds;

    /** @param integerIds the id column is an integer type, so 7 and 007 are the same id */
    IdSet(boolean integerIds) {
        this.integerIds = integerIds;
    }

    /** @return false when the id was seen before */
    boolean add(String id) {
        if (!integerIds) {
            return others.add(id);
        }
        long value;
        try {
            value = Long.parseLong(id.trim());
        } catch (NumberFormatException e) {
            return others.add(id);
        }
        if (value == EMPTY) {
            boolean added = !hasEmptyMarker;
            hasEmptyMarker = true;
            return added;
        }
        if ((size + 1) * 2 > table.length) {
            grow();
        }
        return insert(table, value);
    }

    private boolean insert(long[] slots, long value) {
        int mask = slots.length - 1;
        int i = slot(value) & mask;
        while (slots[i] != EMPTY) {
            if (slots[i] == value) {
                return false;
            }
            i = (i + 1) & mask;
        }
        slots[i] = value;
        if (slots == table) {
            size++;
        }
        return true;
    }

    private void grow() {
        long[] old = table;
        table = newTable(old.length * 2);
        size = 0;
        for (long v : old) {
            if (v != EMPTY) {
                insert(table, v);
            }
        }
    }

    private static long[] newTable(int capacity) {
        long[] t = new long[capacity];
        Arrays.fill(t, EMPTY);
        return t;
    }

    /**
     * Runs of 16 consecutive ids share a place in the table, so ascending ids, the usual case, fill it in sequence
     * rather than touch a new cache line each; the runs are spread over the table by MurmurHash3's finalizer.
     */
    private static int slot(long v) {
        return (mix(v >> 4) << 4) | (int) (v & 15);
    }

    /** MurmurHash3's finalizer. */
    private static int mix(long v) {
        long h = v;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (int) h;
    }
}
