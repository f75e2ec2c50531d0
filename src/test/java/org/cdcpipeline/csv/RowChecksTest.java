package org.cdcpipeline.csv;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RowChecksTest {

    private static List<String> check(String... lines) {
        CsvRows rows = new HeaderCheck(100).rows(CsvFiles.records(lines));
        List<String> outcomes = new ArrayList<>();
        for (CheckedRow row : new RowChecks().check(rows, CsvFiles.klienci(rows.header()))) {
            outcomes.add(row.accepted() ? row.row().line() + ": " + String.join("|", row.values())
                    : row.row().line() + ": " + row.reason());
        }
        return outcomes;
    }

    @Test
    void shouldAcceptGoodRowsWithAnEmptyOptionalValueAsNull() {
        assertThat(check("id,nazwa,kraj", "1,Alfa,PL", "2,Beta,")).containsExactly("2: 1|Alfa|PL", "3: 2|Beta|null");
    }

    @Test
    void shouldImportTheFirstOfTwoRowsWithOneIdAndRejectTheLater() {
        assertThat(check("id,nazwa", "7,Alfa", "007,Beta")).containsExactly("2: 7|Alfa",
                "3: duplicate id 007 (an earlier line of this file has it)");
    }

    @Test
    void shouldRejectEachMalformedRowWithItsReason() {
        assertThat(check("id,nazwa,kraj", "1,Alfa", ",Beta,PL", "x,Gamma,PL", "4,,PL", "5,Dłuższa,PL"))
                .containsExactly("2: expected 3 columns, found 2", "3: missing id",
                        "4: column id: " + message(() -> ColumnType.INTEGER.normalize("x")),
                        "5: column nazwa is required", "6: column nazwa: longer than 5 characters");
    }

    @Test
    void shouldRejectARowTheParserCouldNotReadWithTheParsersReason() {
        CsvRows rows = new HeaderCheck(100).rows(List.of(new CsvRow(1, new String[] {"id", "nazwa"}),
                new CsvRow(2, new String[] {"Polska"}, "malformed quoting")).iterator());
        CheckedRow row = new RowChecks().check(rows, CsvFiles.klienci(rows.header())).iterator().next();
        assertThat(row.reject()).isEqualTo(new Reject(2, "malformed quoting", "Polska"));
    }

    private static String message(Runnable failing) {
        try {
            failing.run();
            throw new AssertionError("expected a failure");
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }
}
