package org.cdcpipeline.csv;

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
