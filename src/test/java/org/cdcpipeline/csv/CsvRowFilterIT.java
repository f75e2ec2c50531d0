package org.cdcpipeline.csv;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.stream.Stream;

import org.cdcpipeline.TestPipeline;
import org.cdcpipeline.TestServices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A user adds a row filter to csv-import-file as its route file shows (a RowFilter bean with a Simple predicate, and a
 * step calling it before the checks): the real routes, so edited, import only the rows the filter keeps.
 */
class CsvRowFilterIT {

    private static final String SLOT = "        # check: each row";
    private static final String FILTER = """
            - beans:
                - name: polishClients
                  type: org.cdcpipeline.csv.RowFilter
                  properties:
                    where: "${body[kraj]} == 'Polska'"
            """;
    private static final String STEP = """
                    - setBody:
                        method:
                          ref: polishClients
                          method: keep(${body})
            """;

    @TempDir
    Path routes;
    @TempDir
    Path csvDir;

    @Test
    void shouldImportOnlyTheRowsARowFilterAddedToTheRouteKeeps() throws Exception {
        copyRoutesWithRowFilter();
        String schema = "csv_filter_it_" + ProcessHandle.current().pid();
        try (TestPipeline pipeline = TestPipeline.start(Map.of("csv.dir", csvDir.toString(), "csv.schema", schema,
                "csv.batch-size", "2", "camel.main.routes-include-pattern", "file:" + routes + "/*.camel.yaml"))) {
            CsvFolder folder = new CsvFolder(csvDir);
            folder.drop("klienci.csv", "id,nazwa,kraj\n1,Alfa,Polska\n2,Beta,Niemcy\n3,Gamma,Polska\n"
                    + "4,Delta,Czechy\n,Epsilon,Polska\n");
            assertThat(folder.awaitProcessed("klienci.csv")).isEqualTo(".done");
            assertThat(rows(schema)).isEqualTo("1=Alfa,3=Gamma");
            // a row the filter keeps is still checked: the one without an id is rejected, as without the filter
            assertThat(folder.rejects("klienci")).hasSize(2).last().asString().startsWith("6,missing id");
        }
    }

    private void copyRoutesWithRowFilter() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".camel.yaml")).toList()) {
                String text = Files.readString(file, StandardCharsets.UTF_8);
                if (file.getFileName().toString().equals("csv-import.camel.yaml")) {
                    assertThat(text).contains(SLOT);
                    text = FILTER + text.replace(SLOT, STEP + SLOT);
                }
                Files.writeString(routes.resolve(file.getFileName()), text, StandardCharsets.UTF_8);
            }
        }
    }

    /** The table's rows as id=nazwa, in id order, separated by commas. */
    private static String rows(String schema) throws SQLException {
        try (Connection c = TestServices.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT string_agg(id || '=' || nazwa, ',' ORDER BY id) FROM " + schema
                     + ".klienci")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
