package org.cdcpipeline.csv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.cdcpipeline.TestPipeline;
import org.cdcpipeline.TestServices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** Input that is not what the import expects, through the csv-import route on a real PostgreSQL. */
class CsvUnluckyInputIT {

    private static final Charset CP1250 = Charset.forName("windows-1250");
    private static final String HEADER = "id,nazwa,email,kraj,telefon\n";
    @RegisterExtension
    static final CsvImportPipeline IMPORT = new CsvImportPipeline("csv_unlucky");

    private final CsvFolder folder = IMPORT.folder();

    @Test
    void shouldImportEveryRowWhenTheWriterPausesMidFile() throws Exception {
        // written in place, not renamed: the import must wait for the writer, whose pause is far beyond the minimum age
        try (Writer out = Files.newBufferedWriter(IMPORT.csvDir().resolve("pauza.csv"), StandardCharsets.UTF_8)) {
            out.write("id,nazwa\n");
            for (int id = 1; id <= 20; id++) {
                out.write(id + ",przed pauzą\n");
            }
            out.flush();
            // the writer's pause, the input of this test: the rest is written 3 s later
            CompletableFuture.runAsync(() -> {
                try {
                    for (int id = 21; id <= 40; id++) {
                        out.write(id + ",po pauzie\n");
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, CompletableFuture.delayedExecutor(3, TimeUnit.SECONDS)).get();
        }
        assertThat(folder.awaitProcessed("pauza.csv")).isEqualTo(".done");
        assertThat(query("SELECT count(*) FROM " + IMPORT.schema() + ".pauza")).containsExactly("40");
    }

    @Test
    void shouldRejectARowWithStrayQuotesMidFileAndImportTheOthers() throws Exception {
        folder.drop("cytaty.csv", HEADER
                + "1,Alfa,a@a.pl,Polska,1\n"
                + "2,\"Firma \"X\"\",x@x.pl,Polska,2\n"
                + "3,Gamma,g@g.pl,Czechy,3\n");
        assertThat(folder.awaitProcessed("cytaty.csv")).isEqualTo(".done");
        assertThat(query("SELECT id::text FROM " + IMPORT.schema() + ".cytaty ORDER BY id")).containsExactly("1", "3");
        List<String> rejects = folder.rejects("cytaty");
        assertThat(rejects).hasSize(2);
        assertThat(rejects.get(1)).startsWith("3,\"malformed quoting");
    }

    @Test
    void shouldKeepTheRejectsOfTwoBadFilesInARowAndWriteFormulasAsText() throws Exception {
        folder.drop("formuly.csv", HEADER + "1,Alfa,a@a.pl,Polska,1\n=2+5,Beta\n");
        assertThat(folder.awaitProcessed("formuly.csv")).isEqualTo(".done");
        folder.drop("formuly.csv", HEADER + "2,Beta,b@b.pl,Polska,2\n-1+1,Gamma\n@SUM(A1),Delta,d@d.pl,Polska,4\n");
        await(() -> folder.rejectsFiles("formuly").size() == 2);
        assertThat(folder.awaitProcessed("formuly.csv")).isEqualTo(".done");

        List<Path> files = folder.rejectsFiles("formuly");
        assertThat(Files.readAllLines(files.get(0), StandardCharsets.UTF_8)).containsExactly("line,reason,raw",
                "3,\"expected 5 columns, found 2\",\"'=2+5,Beta\"");
        assertThat(Files.readAllLines(files.get(1), StandardCharsets.UTF_8)).containsExactly("line,reason,raw",
                "3,\"expected 5 columns, found 2\",\"'-1+1,Gamma\"",
                "4,column id: '@SUM(A1)' is not a bigint,\"'@SUM(A1),Delta,d@d.pl,Polska,4\"");
        assertThat(query("SELECT id::text FROM " + IMPORT.schema() + ".formuly ORDER BY id")).containsExactly("1", "2");
    }

    @Test
    void shouldRefuseAColumnNamedLikeAnArchiveMetadataColumn() throws Exception {
        folder.drop("probe_t.csv", "id,__op,nazwa\n1,c,Alfa\n");
        assertThat(folder.awaitProcessed("probe_t.csv")).isEqualTo(".error");
        assertThat(query("SELECT count(*) FROM pg_class WHERE relnamespace = '" + IMPORT.schema() + "'::regnamespace "
                + "AND relname = 'probe_t'")).containsExactly("0");
    }

    @Test
    void shouldRefuseACp1250FileAndImportItWithTheCharsetSetting(@TempDir Path otherDir) throws Exception {
        byte[] cp1250 = (HEADER + "1,Alfa,a@a.pl,Polska,1\n2,Zażółć Gęślą,z@z.pl,Polska,2\n").getBytes(CP1250);
        Files.write(IMPORT.csvDir().resolve(".kodowanie.tmp"), cp1250);
        Files.move(IMPORT.csvDir().resolve(".kodowanie.tmp"), IMPORT.csvDir().resolve("kodowanie.csv"), StandardCopyOption.ATOMIC_MOVE);
        assertThat(folder.awaitProcessed("kodowanie.csv")).isEqualTo(".error");
        assertThat(query("SELECT count(*) FROM pg_class WHERE relnamespace = '" + IMPORT.schema() + "'::regnamespace "
                + "AND relname = 'kodowanie'")).containsExactly("0");

        String charsetSchema = IMPORT.schema() + "_cp1250";
        try (TestPipeline cp1250Pipeline = TestPipeline.start(Map.of("csv.dir", otherDir.toString(),
                "csv.schema", charsetSchema, "csv.charset", "windows-1250"))) {
            Files.write(otherDir.resolve(".kodowanie.tmp"), cp1250);
            Files.move(otherDir.resolve(".kodowanie.tmp"), otherDir.resolve("kodowanie.csv"), StandardCopyOption.ATOMIC_MOVE);
            assertThat(new CsvFolder(otherDir).awaitProcessed("kodowanie.csv")).isEqualTo(".done");
        }
        assertThat(TestServices.column("SELECT nazwa FROM " + charsetSchema + ".kodowanie ORDER BY id"))
                .containsExactly("Alfa", "Zażółć Gęślą");
    }

    private static void await(java.util.concurrent.Callable<Boolean> condition) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(condition);
    }

    private static List<String> query(String sql) throws Exception {
        return TestServices.column(sql);
    }
}
