package org.cdcpipeline.csv;

import java.io.ByteArrayOutputStream;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BinaryCopyTest {

    private static final String HEADER = "5047434f50590aff0d0a00" + "00000000" + "00000000";
    private static final String TRAILER = "ffff";

    @Test
    void shouldWriteEachTypeInPostgresBinaryForm() throws Exception {
        ColumnType[] types = {ColumnType.SMALLINT, ColumnType.INTEGER, ColumnType.BIGINT, ColumnType.BOOLEAN,
                ColumnType.DATE, ColumnType.TEXT};
        List<String[]> rows = List.of(
                new String[] {"-2", "+7", "-9223372036854775808", "true", "2000-01-02", "zaż"},
                new String[] {null, "-1", "1", "false", "1999-12-31", ""});

        assertThat(BinaryCopy.accepts(types, rows)).isTrue();
        assertThat(hex(encode(types, rows))).isEqualTo(HEADER
                + "0006"
                + "00000002" + "fffe"
                + "00000004" + "00000007"
                + "00000008" + "8000000000000000"
                + "00000001" + "01"
                + "00000004" + "00000001"
                + "00000004" + "7a61c5bc"
                + "0006"
                + "ffffffff"
                + "00000004" + "ffffffff"
                + "00000008" + "0000000000000001"
                + "00000001" + "00"
                + "00000004" + "ffffffff"
                + "00000000"
                + TRAILER);
    }

    @Test
    void shouldPassOnValuesLongerThanItsBuffer() throws Exception {
        String longText = "ą".repeat(100_000);
        byte[] data = encode(new ColumnType[] {ColumnType.TEXT, ColumnType.INTEGER},
                List.<String[]>of(new String[] {longText, "1"}, new String[] {longText, "2"}));

        assertThat(data.length).isEqualTo(19 + 2 * (2 + 4 + 200_000 + 4 + 4) + 2);
        assertThat(HexFormat.of().formatHex(data, data.length - 10, data.length)).isEqualTo("00000004" + "00000002" + TRAILER);
    }

    @Test
    void shouldLeaveDatesOutsideYearsOneToNineThousandToText() {
        ColumnType[] types = {ColumnType.INTEGER, ColumnType.DATE};
        assertThat(BinaryCopy.accepts(types, List.<String[]>of(new String[] {"1", "0000-01-01"}))).isFalse();
        assertThat(BinaryCopy.accepts(types, List.<String[]>of(new String[] {"1", "+10000-01-01"}))).isFalse();
        assertThat(BinaryCopy.accepts(types, List.<String[]>of(new String[] {"1", "-0001-01-01"}))).isFalse();
        assertThat(BinaryCopy.accepts(types, List.<String[]>of(new String[] {"1", "0001-01-01"},
                new String[] {"-5", "9999-12-31"}, new String[] {"2", null}))).isTrue();
    }

    @Test
    void shouldUseBinaryOnlyWhenEveryImportedColumnHasABinaryForm() {
        Map<String, TableColumn> columns = new LinkedHashMap<>();
        columns.put("id", new TableColumn("id", ColumnType.INTEGER, 0, false, false));
        columns.put("nazwa", new TableColumn("nazwa", ColumnType.TEXT, 200, false, false));
        columns.put("pensja", new TableColumn("pensja", ColumnType.NUMERIC, 0, true, false));
        TableShape shape = new TableShape(new SqlIdentifier("public"), new SqlIdentifier("t"), columns, true);

        assertThat(BinaryCopy.types(shape, List.of("nazwa", "id")))
                .containsExactly(ColumnType.TEXT, ColumnType.INTEGER);
        assertThat(BinaryCopy.types(shape, List.of("id", "pensja"))).isNull();
    }

    private static byte[] encode(ColumnType[] types, List<String[]> rows) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryCopy.encode(types, rows, new CopyBuffer(bytes::write));
        return bytes.toByteArray();
    }

    private static String hex(byte[] data) {
        return HexFormat.of().formatHex(data);
    }
}
