package org.cdcpipeline.csv;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.cdcpipeline.TestServices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** The csv-import route on its real YAML file against a real PostgreSQL: what lands in the tables. */
class CsvImportIT {

    @RegisterExtension
    static final CsvImportPipeline IMPORT = new CsvImportPipeline("csv_it");

    private final CsvFolder folder = IMPORT.folder();

    @Test
    void shouldImportTheSampleFilesIntoTypedTables() throws Exception {
        for (String name : List.of("klienci.csv", "pracownicy.csv", "projekty.csv")) {
            folder.dropSample(name);
        }
        for (String name : List.of("klienci.csv", "pracownicy.csv", "projekty.csv")) {
            assertThat(folder.awaitProcessed(name)).isEqualTo(".done");
        }
        assertThat(query("SELECT count(*) FROM klienci WHERE id < 100")).containsExactly("40");
        assertThat(query("SELECT count(*) FROM pracownicy WHERE id < 100")).containsExactly("45");
        assertThat(query("SELECT count(*) FROM projekty")).containsExactly("28");
        assertThat(query("SELECT concat_ws('|', id, nazwa, email, kraj, telefon) FROM klienci WHERE id = 1"))
                .containsExactly("1|Firma X|contact@firmax.com|Polska|+48 600 123 456");
        assertThat(query("SELECT kraj || '=' || count(*) FROM klienci WHERE id < 100 GROUP BY kraj HAVING kraj IN ('Polska', 'Niemcy') ORDER BY kraj"))
                .containsExactly("Niemcy=3", "Polska=20");
        assertThat(query("SELECT pg_typeof(wiek)::text || ',' || pg_typeof(pensja)::text || ',' || pg_typeof(data_zatrudnienia)::text "
                + "FROM pracownicy WHERE id = 1")).containsExactly("smallint,numeric,date");
        assertThat(query("SELECT concat_ws('|', imie, nazwisko, stanowisko, wiek, data_zatrudnienia, pensja) FROM pracownicy WHERE id = 1"))
                .containsExactly("Szymon|Kwiatkowski|Programista|40|2019-11-12|9250.00");
        assertThat(query("SELECT concat_ws('|', nazwa, status, budzet, data_rozpoczecia, (data_zakonczenia IS NULL)::text) FROM projekty WHERE id = 1"))
                .containsExactly("Wdrożenie ERP|wstrzymany|2098000.00|2024-05-15|true");
        assertThat(query("SELECT relname || '=' || relreplident::text FROM pg_class WHERE relnamespace = '" + IMPORT.schema()
                + "'::regnamespace AND relkind = 'r' AND relname IN ('klienci', 'pracownicy', 'projekty') ORDER BY relname"))
                .containsExactly("klienci=f", "pracownicy=f", "projekty=f");
        assertThat(folder.rejects("klienci")).isEmpty();
    }

    @Test
    void shouldChangeNothingWhenTheSameFileIsImportedAgain() throws Exception {
        String csv = "id,nazwa,email,kraj,telefon\n101,Alfa,a@alfa.pl,Polska,+48 1\n102,Beta,b@beta.cz,Czechy,\n";
        folder.drop("klienci.csv", csv);
        folder.awaitProcessed("klienci.csv");
        List<String> before = query("SELECT id || ':' || xmin FROM klienci WHERE id IN (101, 102) ORDER BY id");

        folder.drop("klienci.csv", csv);
        folder.awaitProcessed("klienci.csv");

        // same row versions: no UPDATE was written, so no change event will be either
        assertThat(query("SELECT id || ':' || xmin FROM klienci WHERE id IN (101, 102) ORDER BY id")).isEqualTo(before);
        assertThat(query("SELECT (telefon IS NULL)::text FROM klienci WHERE id = 102")).containsExactly("true");
    }

    @Test
    void shouldUpdateOnlyTheRowsThatChanged() throws Exception {
        folder.drop("klienci.csv", "id,nazwa,email,kraj,telefon\n201,Gamma,g@g.pl,Polska,1\n202,Delta,d@d.pl,Polska,2\n");
        folder.awaitProcessed("klienci.csv");
        List<String> before = query("SELECT xmin::text FROM klienci WHERE id IN (201, 202) ORDER BY id");

        folder.drop("klienci.csv", "id,nazwa,email,kraj,telefon\n201,Gamma,g@g.pl,Niemcy,1\n202,Delta,d@d.pl,Polska,2\n203,Epsilon,e@e.pl,Litwa,3\n");
        folder.awaitProcessed("klienci.csv");

        assertThat(query("SELECT id || '=' || kraj FROM klienci WHERE id BETWEEN 201 AND 203 ORDER BY id"))
                .containsExactly("201=Niemcy", "202=Polska", "203=Litwa");
        List<String> after = query("SELECT xmin::text FROM klienci WHERE id IN (201, 202) ORDER BY id");
        assertThat(after.get(0)).as("the changed row has a new version").isNotEqualTo(before.get(0));
        assertThat(after.get(1)).as("the unchanged row was not touched").isEqualTo(before.get(1));
    }

    @Test
    void shouldRejectMalformedRowsWithLineAndReasonAndImportTheRest() throws Exception {
        String csv = String.join("\n",
                "id,imie,nazwisko,stanowisko,wiek,email,data_zatrudnienia,pensja",
                "301,Anna,Nowak,Tester,30,anna@firma.pl,2020-01-15,7000.00",
                "302,Jan,Kowalski,Programista,trzydzieści,jan@firma.pl,2021-02-01,9000.00",
                "303,Ewa,Mazur,Analityk,41,ewa@firma.pl",
                ",Piotr,Zieliński,Tester,28,piotr@firma.pl,2022-03-01,6500.00",
                "301,Anna,Duplikat,Tester,30,anna2@firma.pl,2020-01-15,7000.00",
                "304,Marek,Wójcik,Dyrektor,200,marek@firma.pl,2019-05-05,25000.00",
                "305,Zofia,Lewandowska,Analityk,35,zofia@firma.pl,15.03.2020,8000.00",
                "306,\"Maria\",\"Dąbrowska\",\"Kierownik\nprojektu\",45,maria@firma.pl,2018-07-01,15000.00",
                "307,Kamil,Nowakowski,Handlowiec,33,kamil@firma.pl,2023-09-09,6000.50",
                "");
        folder.drop("pracownicy.csv", csv);
        assertThat(folder.awaitProcessed("pracownicy.csv")).isEqualTo(".done");

        assertThat(query("SELECT id::text FROM pracownicy WHERE id BETWEEN 300 AND 399 ORDER BY id"))
                .containsExactly("301", "306", "307");
        assertThat(query("SELECT stanowisko FROM pracownicy WHERE id = 306")).containsExactly("Kierownik\nprojektu");
        assertThat(query("SELECT nazwisko FROM pracownicy WHERE id = 301")).containsExactly("Nowak");
        assertThat(folder.rejects("pracownicy")).containsExactly(
                "line,reason,raw",
                "3,column wiek: 'trzydzieści' is not a smallint,"
                        + "\"302,Jan,Kowalski,Programista,trzydzieści,jan@firma.pl,2021-02-01,9000.00\"",
                "4,\"expected 8 columns, found 6\",\"303,Ewa,Mazur,Analityk,41,ewa@firma.pl\"",
                "5,missing id,\"\"\"\"\",Piotr,Zieliński,Tester,28,piotr@firma.pl,2022-03-01,6500.00\"",
                "6,duplicate id 301 (an earlier line of this file has it),"
                        + "\"301,Anna,Duplikat,Tester,30,anna2@firma.pl,2020-01-15,7000.00\"",
                "7,\"refused by PostgreSQL: ERROR: new row for relation \"\"pracownicy\"\" violates check constraint \"\"pracownicy_wiek_check\"\"\","
                        + "\"304,Marek,Wójcik,Dyrektor,200,marek@firma.pl,2019-05-05,25000.00\"",
                "8,column data_zatrudnienia: '15.03.2020' is not a date (yyyy-MM-dd),"
                        + "\"305,Zofia,Lewandowska,Analityk,35,zofia@firma.pl,15.03.2020,8000.00\"");
    }

    @Test
    void shouldRefuseFilesThatCannotBeImportedAndKeepThem() throws Exception {
        folder.drop("klienci.csv", "id,nazwa,email,kraj,telefon\n401,Zeta,z@z.pl,Polska,1\n");
        folder.awaitProcessed("klienci.csv");
        Map<String, String> files = new LinkedHashMap<>();
        files.put("pusty.csv", "");
        files.put("bez_naglowka.csv", "1,Firma X,contact@firmax.com,Polska,+48 600 123 456\n");
        files.put("Klienci-2024.csv", "id,nazwa\n1,x\n");
        files.put("klienci\";drop table klienci;--.csv", "id,nazwa\n1,x\n");
        files.put("bez_id.csv", "nazwa,kraj\nFirma,Polska\n");
        files.put("klienci_naglowek.csv", "id,\"nazwa\"\";drop table klienci;--\"\n1,x\n");
        for (Map.Entry<String, String> f : files.entrySet()) {
            folder.drop(f.getKey(), f.getValue());
        }
        for (String name : files.keySet()) {
            assertThat(folder.awaitProcessed(name)).as(name).isEqualTo(".error");
        }
        assertThat(query("SELECT count(*) FROM klienci WHERE id = 401")).containsExactly("1");
        assertThat(query("SELECT count(*) FROM pg_class WHERE relnamespace = '" + IMPORT.schema() + "'::regnamespace "
                + "AND relname IN ('pusty', 'bez_naglowka', 'bez_id', 'klienci_naglowek')")).containsExactly("0");
    }

    @Test
    void shouldRefuseAColumnTheTableDoesNotHave() throws Exception {
        folder.drop("projekty.csv", "id,nazwa,status,kolor\n501,X,planowany,zielony\n");
        assertThat(folder.awaitProcessed("projekty.csv")).isEqualTo(".error");
    }

    @Test
    void shouldCreateATableWithInferredTypesForAnUnknownFile() throws Exception {
        folder.drop("dostawcy.csv", String.join("\n",
                "id,nazwa,aktywny,od_kiedy,ostatnia_dostawa,limit_kredytu,kod",
                "1,Hurtownia Mazur,true,2020-01-01,2025-03-01 10:15:00,15000.50,A1",
                "2,Transpol,false,2021-06-15,2025-02-11 08:00:00,9000,B2",
                "3,Agro-Pol,true,,,,C3",
                ""));
        assertThat(folder.awaitProcessed("dostawcy.csv")).isEqualTo(".done");
        assertThat(query("SELECT column_name || ':' || data_type FROM information_schema.columns WHERE table_schema = '"
                + IMPORT.schema() + "' AND table_name = 'dostawcy' ORDER BY ordinal_position")).containsExactly(
                "id:bigint", "nazwa:text", "aktywny:boolean", "od_kiedy:date",
                "ostatnia_dostawa:timestamp without time zone", "limit_kredytu:numeric", "kod:text");
        assertThat(query("SELECT count(*) FROM pg_index WHERE indrelid = '" + IMPORT.schema() + ".dostawcy'::regclass AND indisprimary"))
                .containsExactly("1");
        assertThat(query("SELECT relreplident::text FROM pg_class WHERE oid = '" + IMPORT.schema() + ".dostawcy'::regclass"))
                .containsExactly("f");
        assertThat(query("SELECT count(*) FROM dostawcy")).containsExactly("3");
    }

    static List<String> query(String sql) throws SQLException {
        try (Connection c = TestServices.connect(); Statement st = c.createStatement()) {
            st.execute("SET search_path TO " + IMPORT.schema());
            List<String> rows = new ArrayList<>();
            try (ResultSet rs = st.executeQuery(sql)) {
                while (rs.next()) {
                    rows.add(rs.getString(1));
                }
            }
            return rows;
        }
    }
}
