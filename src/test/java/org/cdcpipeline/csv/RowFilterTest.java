package org.cdcpipeline.csv;

import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RowFilterTest {

    private static RowFilter where(CamelContext context, String predicate) {
        RowFilter filter = new RowFilter();
        filter.setCamelContext(context);
        filter.setWhere(predicate);
        return filter;
    }

    @Test
    void shouldKeepOnlyTheRowsThePredicateHoldsForInTheSampleAndAfterIt() throws Exception {
        try (CamelContext context = new DefaultCamelContext()) {
            CsvRows rows = new HeaderCheck(2).rows(CsvFiles.records("id,nazwa,kraj", "1,a,Polska", "2,b,Niemcy",
                    "3,c,Polska", "4,d,Czechy", "5,e,Polska"));
            CsvRows kept = where(context, "${body[kraj]} == 'Polska'").keep(rows);
            assertThat(CsvFiles.lines(kept.sample())).containsExactly("2:1|a|Polska");
            assertThat(CsvFiles.lines(kept)).containsExactly("2:1|a|Polska", "4:3|c|Polska", "6:5|e|Polska");
        }
    }

    @Test
    void shouldKeepARowWithTheWrongCountOfFieldsForItsCheckToReject() throws Exception {
        try (CamelContext context = new DefaultCamelContext()) {
            CsvRows rows = new HeaderCheck(2).rows(CsvFiles.records("id,nazwa,kraj", "1,a", "2,b,Niemcy"));
            assertThat(CsvFiles.lines(where(context, "${body[kraj]} == 'Polska'").keep(rows))).containsExactly("2:1|a");
        }
    }

    @Test
    void shouldSayWhatIsMissingWithoutAPredicate() throws Exception {
        try (CamelContext context = new DefaultCamelContext()) {
            CsvRows rows = new HeaderCheck(2).rows(CsvFiles.records("id", "1"));
            assertThatThrownBy(() -> where(context, null).keep(rows)).hasMessageContaining("set where");
        }
    }
}
