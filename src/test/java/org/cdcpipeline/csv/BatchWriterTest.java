package org.cdcpipeline.csv;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BatchWriterTest {

    private final TableShape klienci = new TableShape(new SqlIdentifier("public"), new SqlIdentifier("klienci"),
            new LinkedHashMap<>(), true);

    @Test
    void shouldQuoteOnlyWhatCsvNeedsAndWriteNullAsAnEmptyField() throws Exception {
        assertThat(copyText(List.of(new String[] {"1", "Firma \"X\", S.A.", null},
                new String[] {"2", "", "a\nb"}, new String[] {"\\.", " spacja ", "zażółć"})))
                .isEqualTo("1,\"Firma \"\"X\"\", S.A.\",\n2,\"\",\"a\nb\"\n\"\\.\", spacja ,zażółć\n");
    }

    @Test
    void shouldPassOnLongValuesAcrossBufferBoundaries() throws Exception {
        String quoted = "\"" + "ą,".repeat(40_000);
        String plain = "x".repeat(100_000);
        List<String[]> rows = List.of(new String[] {quoted, plain}, new String[] {"1", quoted});

        assertThat(copyText(rows)).isEqualTo("\"" + quoted.replace("\"", "\"\"") + "\"," + plain + "\n"
                + "1,\"" + quoted.replace("\"", "\"\"") + "\"\n");
    }

    private static String copyText(List<String[]> rows) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BatchWriter.copyText(rows, new CopyBuffer(bytes::write));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldUpdateOnlyRowsWhoseValuesDiffer() {
        assertThat(BatchWriter.upsertSql(klienci, List.of("id", "nazwa", "kraj"))).isEqualTo(
                "INSERT INTO \"public\".\"klienci\" AS t (\"id\", \"nazwa\", \"kraj\") SELECT \"id\", \"nazwa\", \"kraj\" "
                        + "FROM csv_stage ON CONFLICT (\"id\") DO UPDATE SET \"nazwa\" = EXCLUDED.\"nazwa\", "
                        + "\"kraj\" = EXCLUDED.\"kraj\" WHERE (t.\"nazwa\", t.\"kraj\") IS DISTINCT FROM "
                        + "(EXCLUDED.\"nazwa\", EXCLUDED.\"kraj\")");
    }

    @Test
    void shouldDoNothingOnConflictWhenOnlyTheIdIsImported() {
        assertThat(BatchWriter.upsertSql(klienci, List.of("id"))).endsWith("ON CONFLICT (\"id\") DO NOTHING");
    }
}
