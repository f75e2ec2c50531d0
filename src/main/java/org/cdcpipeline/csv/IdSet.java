package org.cdcpipeline.csv;

import java.util.HashSet;
import java.util.Set;

import org.roaringbitmap.RoaringBitmap;
import org.roaringbitmap.longlong.Roaring64Bitmap;

/**
 * The ids seen so far in one file, to reject duplicates. Integer ids, the common case, are kept in compressed bitmaps:
 * a file of ten million ascending ids takes about a megabyte, so memory stays flat as files grow. Ids outside
 * 0..2^32-1 go to a 64-bit bitmap, which is compact too when they are dense but costs up to ~30 bytes per id when they
 * are spread over the whole range (snowflake-style ids); text ids are kept as they are.
 */
final class IdSet {

    private static final long UNSIGNED_INT_LIMIT = 1L << 32;

    private final RoaringBitmap small = new RoaringBitmap();
    private final Roaring64Bitmap wide = new Roaring64Bitmap();
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
        if (value >= 0 && value < UNSIGNED_INT_LIMIT) {
            return small.checkedAdd((int) value);
        }
        if (wide.contains(value)) {
            return false;
        }
        wide.addLong(value);
        return true;
    }

    /** The memory the integer ids take, roughly. */
    long bytes() {
        return small.getLongSizeInBytes() + wide.getLongSizeInBytes();
    }
}
