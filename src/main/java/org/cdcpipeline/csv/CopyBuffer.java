package org.cdcpipeline.csv;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;

/**
 * The data of one COPY, passed on to PostgreSQL in pieces of at most 64 KiB as it is encoded. A batch is never held
 * as one large array: on a small heap such arrays are allocated outside the young generation and each one can start
 * a garbage collection.
 */
final class CopyBuffer {

    /** Where the pieces go: the COPY, or a test's byte array. */
    @FunctionalInterface
    interface Sink {
        void write(byte[] bytes, int offset, int length) throws SQLException;
    }

    static final int CAPACITY = 64 * 1024;

    private final byte[] buf = new byte[CAPACITY];
    private final Sink sink;
    private int n;

    CopyBuffer(Sink sink) {
        this.sink = sink;
    }

    /** Makes room for {@code more} bytes, at most {@link #CAPACITY}, to be put without further checks. */
    void room(int more) throws SQLException {
        if (n + more > buf.length) {
            flush();
        }
    }

    void put(byte b) {
        buf[n++] = b;
    }

    void bytes(byte[] b) throws SQLException {
        if (b.length > buf.length - n) {
            flush();
            if (b.length > buf.length) {
                sink.write(b, 0, b.length);
                return;
            }
        }
        System.arraycopy(b, 0, buf, n, b.length);
        n += b.length;
    }

    /** Puts the UTF-8 form of a string, without a copy of it when it is ASCII and fits the buffer. */
    void utf8(String v) throws SQLException {
        if (v.length() <= buf.length) {
            room(v.length());
            if (putAscii(v)) {
                return;
            }
        }
        bytes(v.getBytes(StandardCharsets.UTF_8));
    }

    /** Puts the length of a string's UTF-8 form as an int32, then that form, as binary COPY wants a text value. */
    void lengthAndUtf8(String v) throws SQLException {
        if (v.length() + 4 <= buf.length) {
            room(v.length() + 4);
            int lengthAt = n;
            n += 4;
            if (putAscii(v)) {
                int end = n;
                n = lengthAt;
                int32(v.length());
                n = end;
                return;
            }
            n = lengthAt;
        }
        byte[] value = v.getBytes(StandardCharsets.UTF_8);
        room(4);
        int32(value.length);
        bytes(value);
    }

    /** Puts the string when it is all ASCII (room made by the caller); otherwise puts nothing and says so. */
    private boolean putAscii(String v) {
        int start = n;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c >= 0x80) {
                n = start;
                return false;
            }
            buf[n++] = (byte) c;
        }
        return true;
    }

    void int16(int v) {
        buf[n++] = (byte) (v >>> 8);
        buf[n++] = (byte) v;
    }

    void int32(int v) {
        buf[n++] = (byte) (v >>> 24);
        buf[n++] = (byte) (v >>> 16);
        buf[n++] = (byte) (v >>> 8);
        buf[n++] = (byte) v;
    }

    void int64(long v) {
        int32((int) (v >>> 32));
        int32((int) v);
    }

    /** Passes on what is buffered; call it once the last row is put. */
    void flush() throws SQLException {
        if (n > 0) {
            sink.write(buf, 0, n);
            n = 0;
        }
    }
}
