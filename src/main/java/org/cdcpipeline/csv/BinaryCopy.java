package org.cdcpipeline.csv;

import java.sql.SQLException;
import java.time.LocalDate;
import java.util.List;

/**
 * Checked rows in PostgreSQL's binary COPY format, for tables whose every imported column has a plain binary form:
 * smallint, integer, bigint, boolean, date, and text, varchar and char. PostgreSQL then reads the values without
 * parsing CSV or text, which leaves more of a shared machine's CPU to the import. Every other type, and a value whose
 * text form PostgreSQL might read otherwise than this class would encode it, keeps the batch on text COPY.
 *
 * <p>Format: the 11-byte signature, flags and header extension length (both 0); per row the field count (int16),
 * then per field its length (int32, -1 for NULL) and its bytes; the trailer -1 (int16). Numbers are big-endian.
 */
final class BinaryCopy {

    private static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0};
    /** PostgreSQL counts dates in days from 2000-01-01. */
    private static final long POSTGRES_EPOCH_DAY = LocalDate.of(2000, 1, 1).toEpochDay();

    private BinaryCopy() {
    }

    /** The column types of the header when every one has a binary form here, {@code null} otherwise. */
    static ColumnType[] types(TableShape shape, List<String> header) {
        ColumnType[] types = new ColumnType[header.size()];
        for (int i = 0; i < types.length; i++) {
            TableColumn column = shape.columns().get(header.get(i));
            if (column == null || !supports(column.type())) {
                return null;
            }
            types[i] = column.type();
        }
        return types;
    }

    static boolean supports(ColumnType type) {
        return switch (type) {
            case SMALLINT, INTEGER, BIGINT, BOOLEAN, DATE, TEXT -> true;
            default -> false;
        };
    }

    /**
     * Whether every value of the rows can be written in binary: a date outside years 1 to 9999 is left to
     * PostgreSQL's own reading of its text.
     */
    static boolean accepts(ColumnType[] types, List<String[]> rows) {
        for (int i = 0; i < types.length; i++) {
            if (types[i] != ColumnType.DATE) {
                continue;
            }
            for (String[] row : rows) {
                String v = row[i];
                if (v != null && (v.length() != 10 || v.charAt(0) < '0' || v.charAt(0) > '9'
                        || v.startsWith("0000"))) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Encodes rows normalized by {@link ColumnType#normalize} (null for NULL) that {@link #accepts} accepts. */
    static void encode(ColumnType[] types, List<String[]> rows, CopyBuffer out) throws SQLException {
        out.room(SIGNATURE.length + 8);
        out.bytes(SIGNATURE);
        out.int32(0);
        out.int32(0);
        for (String[] row : rows) {
            out.room(2);
            out.int16(row.length);
            for (int i = 0; i < row.length; i++) {
                field(types[i], row[i], out);
            }
        }
        out.room(2);
        out.int16(-1);
        out.flush();
    }

    private static void field(ColumnType type, String v, CopyBuffer out) throws SQLException {
        if (v == null) {
            out.room(4);
            out.int32(-1);
            return;
        }
        switch (type) {
            case SMALLINT -> {
                out.room(6);
                out.int32(2);
                out.int16((int) Long.parseLong(v));
            }
            case INTEGER -> {
                out.room(8);
                out.int32(4);
                out.int32((int) Long.parseLong(v));
            }
            case BIGINT -> {
                out.room(12);
                out.int32(8);
                out.int64(Long.parseLong(v));
            }
            case BOOLEAN -> {
                out.room(5);
                out.int32(1);
                out.put((byte) ("true".equals(v) ? 1 : 0));
            }
            case DATE -> {
                out.room(8);
                out.int32(4);
                out.int32((int) (LocalDate.parse(v).toEpochDay() - POSTGRES_EPOCH_DAY));
            }
            case TEXT -> out.lengthAndUtf8(v);
            default -> throw new IllegalArgumentException("no binary COPY form for " + type);
        }
    }
}
