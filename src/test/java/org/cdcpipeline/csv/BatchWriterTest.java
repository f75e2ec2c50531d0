package org.cdcpipeline.csv;

import java.util.LinkedHashMap;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BatchWriterTest {

    private final TableShape klienci = new TableShape(new SqlIdentifier("public"), new SqlIdentifier("klienci"),
            new LinkedHashMap<>(), true);

    @Test
    void shouldQuoteOnlyWhatCsvNeedsAndWriteNullAsAnEmptyField() {
        assertThat(BatchWriter.copyText(List.of(new String[] {"1", "Firma \"X\", S.A.", null},
                new String[] {"2", "", "a\nb"}, new String[] {"\\.", " spacja ", "zażółć"})).toString())
                .isEqualTo("1,\"Firma \"\"X\"\", S.A.\",\n2,\"\",\"a\nb\"\n\"\\.\", spacja ,zażółć\n");
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
