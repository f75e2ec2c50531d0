package org.cdcpipeline.csv;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CsvRecordsTest {

    private static final Charset CP1250 = Charset.forName("windows-1250");

    @Test
    void shouldGiveTheLineEachRecordStartsOn() {
        assertThat(read("id,opis\n1,jeden\n\n2,\"dwa\nlinie\"\n3,trzy", StandardCharsets.UTF_8, 1000))
                .containsExactly("1:id|opis", "2:1|jeden", "4:2|dwa\nlinie", "6:3|trzy");
    }

    @Test
    void shouldRejectARowWithAStrayQuoteAndReadTheNextLines() {
        List<String> rows = read("id,nazwa,kraj\n1,\"Firma \"X\"\",Polska\n2,Beta,Czechy\n", StandardCharsets.UTF_8, 1000);
        assertThat(rows).hasSize(3);
        // the fields from the stray quote to the end of the line, with the reason
        assertThat(rows.get(1)).startsWith("2:|Polska problem: malformed quoting");
        assertThat(rows.get(2)).isEqualTo("3:2|Beta|Czechy");
    }

    @Test
    void shouldRefuseAQuoteNeverClosedWithItsLine() {
        assertThatThrownBy(() -> read("id,nazwa\n1,\"Firma X\n2,Beta\n3,Gamma\n", StandardCharsets.UTF_8, 1000))
                .isInstanceOf(InvalidCsvFileException.class)
                .hasMessageStartingWith("line 2: a quoted value is never closed");
    }

    @Test
    void shouldRefuseARecordLongerThanTheLimitBeforeReadingItWhole() {
        InputStream endless = new InputStream() {
            private long served;

            @Override
            public int read() {
                return served++ < 9 ? "id,nazwa,".charAt((int) served - 1) : 'x';
            }

            @Override
            public int read(byte[] b, int off, int len) {
                Arrays.fill(b, off, off + len, (byte) 'x');
                if (served == 0) {
                    byte[] head = "id,nazwa\n1,".getBytes(StandardCharsets.US_ASCII);
                    System.arraycopy(head, 0, b, off, head.length);
                }
                served += len;
                return len;
            }
        };
        CsvRecords records = new CsvRecords("endless.csv", endless, StandardCharsets.UTF_8, 1_000_000);
        assertThat(records.next().values()).containsExactly("id", "nazwa");
        assertThatThrownBy(records::next).isInstanceOf(InvalidCsvFileException.class)
                .hasMessageContaining("the record starting on line 2 is longer than csv.max-record-chars (1,000,000 characters)");
    }

    @Test
    void shouldRefuseBytesThatAreNotUtf8WithTheirLineAndTheFix() {
        byte[] cp1250 = "id,nazwa\n1,Firma\n2,Zażółć gęślą\n".getBytes(CP1250);
        assertThatThrownBy(() -> read(cp1250, StandardCharsets.UTF_8, 1000))
                .isInstanceOf(InvalidCsvFileException.class)
                .hasMessageContaining("the file is not UTF-8: line 3 holds 0xBF")
                .hasMessageContaining("CSV_CHARSET=windows-1250")
                .hasMessageContaining("iconv -f cp1250 -t utf-8 test.csv");
    }

    @Test
    void shouldReadAFileInTheConfiguredCharset() {
        byte[] cp1250 = "id,nazwa\n2,Zażółć gęślą\n".getBytes(CP1250);
        assertThat(read(cp1250, CP1250, 1000)).containsExactly("1:id|nazwa", "2:2|Zażółć gęślą");
    }

    private static List<String> read(String csv, Charset charset, long maxRecordChars) {
        return read(csv.getBytes(charset), charset, maxRecordChars);
    }

    private static List<String> read(byte[] csv, Charset charset, long maxRecordChars) {
        List<String> rows = new ArrayList<>();
        CsvRecords records = new CsvRecords("test.csv", new ByteArrayInputStream(csv), charset, maxRecordChars);
        while (records.hasNext()) {
            CsvRow row = records.next();
            rows.add(row.line() + ":" + String.join("|", row.values()) + (row.problem() == null ? "" : " problem: " + row.problem()));
        }
        return rows;
    }
}
