package org.cdcpipeline.csv;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;

/**
 * The characters of a CSV file, decoded strictly: a byte sequence that is not valid in the file's charset stops the
 * import with its line (InputStreamReader would put U+FFFD in its place, and the row would be stored that way). It
 * also bounds the length of one record, which the parser would otherwise hold in memory whole: a file without line
 * breaks, or with an unclosed quote, is one record as long as the file.
 */
final class DecodingReader extends Reader {

    /** Bytes that are not text in the file's charset, with the line they are on. */
    static final class NotDecodableException extends IOException {
        final long line;
        final String bytes;

        NotDecodableException(long line, String bytes) {
            super("line " + line + " holds bytes " + bytes);
            this.line = line;
            this.bytes = bytes;
        }
    }

    /** A record longer than the limit. */
    static final class RecordTooLongException extends IOException {
        RecordTooLongException(long maxChars) {
            super("a record is longer than " + maxChars + " characters");
        }
    }

    private final InputStream in;
    private final CharsetDecoder decoder;
    private final ByteBuffer bytes = ByteBuffer.allocate(64 * 1024).flip();
    private final long maxRecordChars;
    private boolean endOfInput;
    private boolean flushed;
    /** Line breaks handed to the parser so far: the line being read is one more. */
    private long lineBreaks;
    private long charsRead;
    private long recordStart;

    DecodingReader(InputStream in, Charset charset, long maxRecordChars) {
        this.in = in;
        this.decoder = charset.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        this.maxRecordChars = maxRecordChars;
    }

    /** The parser has returned a record: the next one starts at what is read from now on. */
    void recordStarts() {
        recordStart = charsRead;
    }

    @Override
    public int read(char[] buffer, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (flushed) {
            return -1;
        }
        if (charsRead - recordStart > maxRecordChars) {
            throw new RecordTooLongException(maxRecordChars);
        }
        CharBuffer out = CharBuffer.wrap(buffer, offset, length);
        while (out.position() == offset) {
            CoderResult result = decoder.decode(bytes, out, endOfInput);
            if (result.isError()) {
                if (out.position() > offset) {
                    break; // hand over what was decoded; the next call reports the bad bytes on the right line
                }
                throw notDecodable(result.length());
            }
            if (result.isUnderflow()) {
                if (endOfInput) {
                    flushed = true;
                    decoder.flush(out);
                    break;
                }
                fill();
            }
        }
        int n = out.position() - offset;
        if (n == 0) {
            return -1;
        }
        for (int i = offset; i < offset + n; i++) {
            if (buffer[i] == '\n') {
                lineBreaks++;
            }
        }
        charsRead += n;
        return n;
    }

    private void fill() throws IOException {
        bytes.compact();
        int n = in.read(bytes.array(), bytes.position(), bytes.remaining());
        if (n < 0) {
            endOfInput = true;
        } else {
            bytes.position(bytes.position() + n);
        }
        bytes.flip();
    }

    private NotDecodableException notDecodable(int length) {
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < length; i++) {
            hex.append(i == 0 ? "" : " ").append(String.format("0x%02X", bytes.get(bytes.position() + i)));
        }
        return new NotDecodableException(lineBreaks + 1, hex.toString());
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
