package org.cdcpipeline.csv;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;

import org.cdcpipeline.JoinedRows;
import org.cdcpipeline.TestServices;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The binary COPY of a new table's first rows lands in PostgreSQL exactly as the text COPY of the same rows does. */
class CsvBinaryCopyIT {

    private static final String COLUMNS = """
            (id integer PRIMARY KEY, s smallint, b bigint, ok boolean, d date, v varchar(10), c char(3), t text)""";

    private final BatchWriter writer = new BatchWriter();

    @Test
    void shouldStoreBinaryCopiedRowsExactlyAsTextCopiedOnes() throws Exception {
        String schema = "csv_binary_it_" + ProcessHandle.current().pid();
        TestServices.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE", "CREATE SCHEMA " + schema,
                "CREATE TABLE " + schema + ".by_binary " + COLUMNS, "CREATE TABLE " + schema + ".by_text " + COLUMNS);
        List<String> header = List.of("id", "s", "b", "ok", "d", "v", "c", "t");
        List<String[]> rows = List.of(
                new String[] {"1", "-32768", "9223372036854775807", "true", "2024-02-29", "zażółć", "ab", "a,b \"c\"\nd"},
                new String[] {"-2147483648", "32767", "-9223372036854775808", "false", "0001-01-01", "", "", "\\."},
                new String[] {"3", null, null, null, null, null, null, null},
                new String[] {"4", "7", "0", "true", "9999-12-31", " spacje ", "x  ", "Ünïcødé 😀"});

        try (Connection c = TestServices.connect()) {
            c.setAutoCommit(false);
            BatchWriter.Result binary = writer.copyInto(c, shape(c, schema, "by_binary"), header, rows);
            BatchWriter.Result text = writer.upsert(c, shape(c, schema, "by_text"), header, rows);
            c.commit();
            assertThat(binary.changed()).isEqualTo(4);
            assertThat(text.changed()).isEqualTo(4);

            assertThat(select(c, "SELECT * FROM " + schema + ".by_binary ORDER BY id"))
                    .isEqualTo(select(c, "SELECT * FROM " + schema + ".by_text ORDER BY id"))
                    .contains("1|-32768|9223372036854775807|t|2024-02-29|zażółć|ab |a,b \"c\"\nd",
                            "3|null|null|null|null|null|null|null",
                            "4|7|0|t|9999-12-31| spacje |x  |Ünïcødé 😀");
        }
    }

    @Test
    void shouldFallBackToUpsertWhenARowAlreadyExists() throws Exception {
        String schema = "csv_binary_it_dup_" + ProcessHandle.current().pid();
        TestServices.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE", "CREATE SCHEMA " + schema,
                "CREATE TABLE " + schema + ".t " + COLUMNS, "INSERT INTO " + schema + ".t (id) VALUES (2)");
        try (Connection c = TestServices.connect()) {
            c.setAutoCommit(false);
            BatchWriter.Result result = writer.copyInto(c, shape(c, schema, "t"), List.of("id", "t"),
                    List.<String[]>of(new String[] {"1", "a"}, new String[] {"2", "b"}));
            c.commit();
            assertThat(result).isNull();
            assertThat(select(c, "SELECT id, t FROM " + schema + ".t ORDER BY id")).containsExactly("2|null");
        }
    }

    private static TableShape shape(Connection c, String schema, String table) throws Exception {
        return new TableCatalog(new SqlIdentifier(schema), Path.of("schema"),
                new OwnedTables("pipeline_state.csv_tables", schema, "cdc_pipeline"))
                .describe(c, new SqlIdentifier(table)).orElseThrow();
    }

    private static List<String> select(Connection c, String sql) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return JoinedRows.inQueryOrder(rs);
        }
    }
}
