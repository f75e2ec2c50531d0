package org.cdcpipeline.csv;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CsvRowConverterTest {

    @Test
    void shouldGiveTheLineEachRecordStartsOn() throws Exception {
        String csv = "id,opis\n1,jeden\n\n2,\"dwa\nlinie\"\n3,trzy";
        List<Long> lines = new ArrayList<>();
        try (CSVParser parser = CSVParser.parse(new StringReader(csv), CSVFormat.DEFAULT)) {
            for (CSVRecord record : parser) {
                lines.add(new CsvRowConverter().convertRecord(record).line());
            }
        }
        assertThat(lines).containsExactly(1L, 2L, 4L, 6L);
    }
}
