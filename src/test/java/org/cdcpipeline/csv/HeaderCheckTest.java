package org.cdcpipeline.csv;

import java.util.Collections;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HeaderCheckTest {

    private final HeaderCheck check = new HeaderCheck(2);

    @Test
    void shouldNameTheColumnsInLowerCaseWithoutByteOrderMarkOrBlanks() {
        CsvRows rows = check.rows(CsvFiles.records("\uFEFFId, Nazwa ,KRAJ", "1,Alfa,PL"));
        assertThat(rows.header()).containsExactly("id", "nazwa", "kraj");
    }

    @Test
    void shouldReadTheFirstBatchAheadAsASampleAndGiveEveryRowOnceInFileOrder() {
        CsvRows rows = check.rows(CsvFiles.records("id,nazwa", "1,a", "2,b", "3,c"));
        assertThat(CsvFiles.lines(rows.sample())).containsExactly("2:1|a", "3:2|b");
        assertThat(CsvFiles.lines(rows)).containsExactly("2:1|a", "3:2|b", "4:3|c");
        assertThatThrownBy(rows::iterator).isInstanceOf(IllegalStateException.class).hasMessageContaining("twice");
    }

    @Test
    void shouldRefuseAnEmptyFile() {
        assertThatThrownBy(() -> check.rows(Collections.emptyIterator()))
                .isInstanceOf(InvalidCsvFileException.class).hasMessageContaining("the file is empty");
    }

    @Test
    void shouldRefuseAHeaderWithoutId() {
        assertThatThrownBy(() -> check.rows(CsvFiles.records("nazwa,kraj")))
                .isInstanceOf(InvalidCsvFileException.class).hasMessageContaining("no 'id' column");
    }

    @Test
    void shouldRefuseAColumnTwice() {
        assertThatThrownBy(() -> check.rows(CsvFiles.records("id,kraj,Kraj")))
                .isInstanceOf(InvalidCsvFileException.class).hasMessageContaining("column 'kraj' appears twice");
    }

    @Test
    void shouldRefuseAColumnNamedLikeTheArchiveColumnsSuggestingARename() {
        assertThatThrownBy(() -> check.rows(CsvFiles.records("id,__op")))
                .isInstanceOf(InvalidCsvFileException.class).hasMessageContaining("e.g. to 'op'");
    }

    @Test
    void shouldRefuseAFirstLineThatNamesNoColumns() {
        assertThatThrownBy(() -> check.rows(CsvFiles.records("1,Firma X,Polska")))
                .isInstanceOf(InvalidCsvFileException.class)
                .hasMessageContaining("line 1 is not a header: '1' is not a column name");
    }

    @Test
    void shouldRefuseMoreColumnsThanATableHolds() {
        String wide = "id" + ",c".repeat(HeaderCheck.MAX_COLUMNS);
        assertThatThrownBy(() -> check.rows(CsvFiles.records(wide)))
                .isInstanceOf(InvalidCsvFileException.class).hasMessageContaining("a PostgreSQL table holds at most 1,600");
    }
}
