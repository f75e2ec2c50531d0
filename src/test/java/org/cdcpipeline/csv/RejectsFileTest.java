package org.cdcpipeline.csv;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class RejectsFileTest {

    @TempDir
    Path dir;

    @Test
    void shouldNotFollowALinkPlantedUnderTheRejectsFileName() throws Exception {
        Path victim = Files.writeString(dir.resolve("victim.txt"), "keep me\n");
        Files.createSymbolicLink(dir.resolve("klienci.20261128-120000000.rejects.csv"), victim);

        RejectsFile rejects = new RejectsFile(dir, "klienci", "20261128-120000000");
        rejects.append(List.of(new Reject(2, "missing id", ",Firma")));

        assertThat(Files.readString(victim)).isEqualTo("keep me\n");
        assertThat(rejects.path()).isEqualTo(dir.resolve("klienci.20261128-120000000-2.rejects.csv"));
        assertThat(Files.isSymbolicLink(rejects.path())).isFalse();
        assertThat(Files.readAllLines(rejects.path())).containsExactly("line,reason,raw", "2,missing id,\",Firma\"");
    }

    @Test
    void shouldKeepTheRejectsOfEachImport() throws Exception {
        new RejectsFile(dir, "klienci", "20261128-120000000").append(List.of(new Reject(2, "missing id", ",a")));
        new RejectsFile(dir, "klienci", "20261128-120001000").append(List.of(new Reject(3, "missing id", ",b")));
        try (var files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString()).sorted().toList())
                    .containsExactly("klienci.20261128-120000000.rejects.csv", "klienci.20261128-120001000.rejects.csv");
        }
    }

    @Test
    void shouldWriteCellsThatASpreadsheetWouldEvaluateAsText() throws Exception {
        RejectsFile rejects = new RejectsFile(dir, "klienci", "20261128-120000000");
        rejects.append(List.of(new Reject(2, "expected 2 columns, found 1", "=HYPERLINK(\"http://x\")"),
                new Reject(3, "missing id", "+48 600"), new Reject(4, "missing id", "-1+1"),
                new Reject(5, "missing id", "@SUM(A1)"), new Reject(6, "missing id", "1,ok")));
        assertThat(Files.readAllLines(rejects.path(), StandardCharsets.UTF_8)).containsExactly("line,reason,raw",
                "2,\"expected 2 columns, found 1\",\"'=HYPERLINK(\"\"http://x\"\")\"",
                "3,missing id,'+48 600", "4,missing id,'-1+1", "5,missing id,'@SUM(A1)", "6,missing id,\"1,ok\"");
    }
}
