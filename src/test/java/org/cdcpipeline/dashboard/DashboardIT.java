package org.cdcpipeline.dashboard;

import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.logging.Level;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.cdcpipeline.CapturedSchema;
import org.cdcpipeline.HeadlessChromium;
import org.cdcpipeline.Samples;
import org.cdcpipeline.TestPipeline;
import org.cdcpipeline.TestServices;
import org.cdcpipeline.management.JmxServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The dashboard in a real browser (Debian's headless chromium, driven through its chromedriver) against a pipeline
 * that imports the samples, captures them and keeps the shipped aggregates: what the page shows equals GROUP BY over
 * PostgreSQL before and after a change, it loads nothing from elsewhere, and its flow panel follows capture's lag.
 */
class DashboardIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static CapturedSchema captured;
    private static Map<String, String> config;
    private static TestPipeline pipeline;
    private static ChromeDriver browser;
    private static String page;

    @BeforeAll
    static void start() throws Exception {
        Path work = Files.createTempDirectory("dashboard-it");
        captured = new CapturedSchema("dashboard_it", work);
        Files.createDirectories(work.resolve("csv"));
        for (String sample : List.of("klienci.csv", "pracownicy.csv", "projekty.csv", "zamowienia.csv")) {
            Files.copy(Samples.path(sample), work.resolve("csv").resolve(sample), StandardCopyOption.REPLACE_EXISTING);
        }
        config = captured.settings();
        config.put("aggregate.enabled", "true");
        config.put("aggregate.state-schema", captured.name() + "_state");
        config.put("aggregate.snapshot-prefix", captured.topicPrefix() + "/");
        config.put("archive.enabled", "true");
        config.put("archive.group-id", "dashboard-it-archive");
        config.put("archive.batch-max-age-ms", "1000");
        config.put("jmx.enabled", "true");
        config.put("jmx.port", String.valueOf(TestServices.freePort()));
        config.put("observe.lag-interval-ms", "500");
        config.put("dashboard.enabled", "true");
        config.put("dashboard.port", String.valueOf(TestServices.freePort()));
        config.put("dashboard.doctor-interval-ms", "5000");
        pipeline = TestPipeline.start(config);
        page = "http://127.0.0.1:" + config.get("dashboard.port") + "/dashboard/";
        browser = HeadlessChromium.start(1280, 800);
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (pipeline != null) {
            pipeline.close();
        }
        // an abandoned slot would hold WAL back for the rest of the test run
        TestServices.execute("SELECT pg_drop_replication_slot('" + captured.name() + "')");
    }

    @Test
    void shouldShowWhatPostgresHoldsLiveWithoutErrorsOrRequestsElsewhereAndFollowCapturesLag() throws Exception {
        browser.get(page);
        awaitPageEqualsSql();
        assertThat(browser.findElements(org.openqa.selenium.By.cssSelector("[data-aggregate]")))
                .as("a card for every shipped aggregate").hasSize(11);
        Files.write(Path.of("target", "dashboard.png"), browser.getScreenshotAs(OutputType.BYTES));

        // a customer moves to another country: the page follows without a reload, within 5 s of the commit
        js("window.__notReloaded = true; return null;");
        TestServices.execute("UPDATE " + captured.table("klienci") + " SET kraj = 'Islandia' WHERE id = 1");
        long committed = System.nanoTime();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(shownGroups("klienci-by-country")).isEqualTo(klienciByCountry()));
        assertThat(Duration.ofNanos(System.nanoTime() - committed)).isLessThan(Duration.ofSeconds(5));
        assertThat(js("return window.__notReloaded === true;")).isEqualTo(true);

        assertNothingLoadedFromElsewhere();
        assertNoConsoleErrors();

        // capture stopped over JMX: the slot's lag rises with the changes it does not read, and falls once it reads them.
        // The lag is read from PostgreSQL once the slot is released: before that, a heartbeat may still confirm a
        // newer position and shrink the lag, whatever other WAL the server wrote since the last one.
        final long inserted;
        Map<String, String> client = Map.of("jmx.host", "127.0.0.1", "jmx.port", config.get("jmx.port"), "jmx.user", "");
        try (JMXConnector connector = JmxServer.connect(key -> client.getOrDefault(key, ""))) {
            MBeanServerConnection jmx = connector.getMBeanServerConnection();
            ObjectName capture = new ObjectName("org.apache.camel:context=cdc-pipeline,type=routes,name=\"cdc-capture\"");
            jmx.invoke(capture, "stop", null, null);
            try {
                await().atMost(Duration.ofSeconds(20)).until(() -> "false".equals(slotState("active::text")));
                long released = Long.parseLong(slotState("pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)"));
                TestServices.execute("INSERT INTO " + captured.table("klienci") + " (id, nazwa, kraj) SELECT 10000 + n, "
                        + "'Klient ' || n, 'Islandia' FROM generate_series(1, 2000) n");
                inserted = Long.parseLong(slotState("pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)"));
                assertThat(inserted).as("WAL held back after 2,000 uncaptured rows").isGreaterThan(released + 100_000);
                await().atMost(Duration.ofSeconds(20)).until(() -> slotLag() >= inserted);
            } finally {
                jmx.invoke(capture, "start", null, null);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> slotLag() >= 0 && slotLag() < inserted / 2);
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(shownGroups("klienci-by-country"))
                .isEqualTo(klienciByCountry()));
        assertThat(stageTotal("capture")).isGreaterThanOrEqualTo(2000);
        assertNoConsoleErrors();
        // the whole page after a burst of changes, for docs/dashboard.png
        Long height = (Long) js("return document.documentElement.scrollHeight;");
        browser.manage().window().setSize(new Dimension(1280, (int) Math.min(height + 100, 4000)));
        Files.write(Path.of("target", "dashboard-full.png"), browser.getScreenshotAs(OutputType.BYTES));
        browser.manage().window().setSize(new Dimension(1280, 800));
    }

    @Test
    void shouldFitANarrowWindowAndOfferEveryChartAsATable() throws Exception {
        browser.get(page);
        awaitPageEqualsSql();
        try {
            browser.manage().window().setSize(new Dimension(420, 900));
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                    (Long) js("return document.documentElement.scrollWidth - window.innerWidth;")).isLessThanOrEqualTo(0L));
            Files.write(Path.of("target", "dashboard-narrow.png"), browser.getScreenshotAs(OutputType.BYTES));
        } finally {
            browser.manage().window().setSize(new Dimension(1280, 800));
        }
        // the toggle is a button a keyboard reaches; pressed, the card shows its numbers as a table
        org.openqa.selenium.WebElement card = browser.findElement(
                org.openqa.selenium.By.cssSelector("[data-aggregate='avg-age-by-position']"));
        org.openqa.selenium.WebElement toggle = card.findElement(org.openqa.selenium.By.tagName("button"));
        toggle.sendKeys(org.openqa.selenium.Keys.ENTER);
        assertThat(toggle.getAttribute("aria-pressed")).isEqualTo("true");
        assertThat(card.findElement(org.openqa.selenium.By.cssSelector("table.numbers")).isDisplayed()).isTrue();
        Map<String, String> shown = shownGroups("avg-age-by-position");
        assertThat(shown).isEqualTo(sql("SELECT stanowisko, avg(wiek) FROM " + captured.table("pracownicy")
                + " GROUP BY stanowisko"));
        assertNoConsoleErrors();
    }

    private void awaitPageEqualsSql() {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            assertThat(shownGroups("klienci-by-country")).isNotEmpty().isEqualTo(klienciByCountry());
            assertThat(shownGroups("budget-by-client-country")).isEqualTo(sql("SELECT k.kraj, sum(p.budzet) FROM "
                    + captured.table("projekty") + " p LEFT JOIN " + captured.table("klienci")
                    + " k ON k.id = p.klient_id GROUP BY k.kraj"));
        });
    }

    /** The groups the card's table shows: group text ("null" for the NULL group) to the value as the page has it. */
    private static Map<String, String> shownGroups(String aggregate) {
        @SuppressWarnings("unchecked")
        List<List<String>> rows = (List<List<String>>) js("return Array.from(document.querySelectorAll("
                + "'table[data-aggregate-table=\"' + arguments[0] + '\"] tr.group-row')).map(r => "
                + "[r.hasAttribute('data-group') ? r.getAttribute('data-group') : 'null', r.getAttribute('data-value')]);",
                aggregate);
        Map<String, String> groups = new TreeMap<>();
        rows.forEach(r -> groups.put(r.get(0), number(new BigDecimal(r.get(1)))));
        return groups;
    }

    private Map<String, String> klienciByCountry() throws Exception {
        return sql("SELECT kraj, count(*) FROM " + captured.table("klienci") + " GROUP BY kraj");
    }

    /** A GROUP BY's rows: group ("null" for NULL) to its value, compared as the page shows numbers (JSON doubles). */
    private static Map<String, String> sql(String query) throws Exception {
        Map<String, String> groups = new TreeMap<>();
        try (java.sql.Connection c = TestServices.connect(); java.sql.Statement st = c.createStatement();
             java.sql.ResultSet rs = st.executeQuery(query)) {
            while (rs.next()) {
                groups.put(String.valueOf(rs.getString(1)), number(rs.getBigDecimal(2)));
            }
        }
        return groups;
    }

    /** A value at the precision a JSON number keeps in the browser (a double). */
    private static String number(BigDecimal value) {
        return BigDecimal.valueOf(value.doubleValue()).stripTrailingZeros().toPlainString();
    }

    /** A column of this test's replication slot in pg_replication_slots, as text. */
    private static String slotState(String column) throws Exception {
        return TestServices.column("SELECT " + column + " FROM pg_replication_slots WHERE slot_name = '"
                + captured.name() + "'").get(0);
    }

    private static long slotLag() {
        return Long.parseLong((String) js("return document.getElementById('flow').getAttribute('data-slot-lag-bytes');"));
    }

    private static long stageTotal(String stage) {
        return Long.parseLong((String) js("return document.querySelector('#flow-stages tr[data-stage=\"' + arguments[0] "
                + "+ '\"]').getAttribute('data-total');", stage));
    }

    private static Object js(String script, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(script, args);
    }

    /** Every request the page made went to this machine (its own server, or data: URLs it made itself). */
    private static void assertNothingLoadedFromElsewhere() throws Exception {
        List<String> urls = new ArrayList<>();
        for (LogEntry entry : browser.manage().logs().get(LogType.PERFORMANCE)) {
            JsonNode message = JSON.readTree(entry.getMessage()).path("message");
            if (message.path("method").asText().equals("Network.requestWillBeSent")) {
                urls.add(message.path("params").path("request").path("url").asText());
            }
        }
        assertThat(urls).isNotEmpty().allSatisfy(url -> assertThat(url.startsWith("data:")
                || URI.create(url).getHost().equals("127.0.0.1")).as(url).isTrue());
    }

    private static void assertNoConsoleErrors() {
        List<String> problems = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.WARNING.intValue()).map(LogEntry::toString).toList();
        assertThat(problems).as("console errors and warnings").isEmpty();
    }
}
