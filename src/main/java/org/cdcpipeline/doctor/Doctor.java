package org.cdcpipeline.doctor;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.cdcpipeline.StartupException;

/**
 * {@code doctor [--component c]}: checks the configured PostgreSQL, change capture's slot and publication, Kafka,
 * S3 and the running pipeline's routes as a client (it starts no route and no server), and prints one line per check:
 * OK, WARN or FAIL with the fix. Exit code 0 when nothing failed, 1 otherwise.
 */
public final class Doctor {

    private static final Map<String, Function<DoctorSettings, List<CheckResult>>> CHECKS = new LinkedHashMap<>();

    static {
        CHECKS.put(PostgresCheck.NAME, PostgresCheck::run);
        CHECKS.put(DebeziumCheck.NAME, DebeziumCheck::run);
        CHECKS.put(KafkaCheck.NAME, KafkaCheck::run);
        CHECKS.put(S3Check.NAME, S3Check::run);
        CHECKS.put(RoutesCheck.NAME, RoutesCheck::run);
    }

    private Doctor() {
    }

    /**
     * Runs the checks of one component (or "all") and prints their lines and a summary.
     *
     * @param overrides properties that win over application.properties, as for the pipeline
     * @return 0 when no check failed, 1 otherwise
     */
    public static int run(Map<String, String> overrides, String component, PrintStream out) {
        DoctorSettings settings;
        try {
            settings = DoctorSettings.load(overrides);
        } catch (StartupException | IllegalArgumentException e) {
            out.println(CheckResult.fail("config", "cannot read the configuration: " + e.getMessage(),
                    "correct application.properties or the environment variable named").line());
            return 1;
        }
        List<CheckResult> results = checks(settings, component, r -> {
            out.println(r.line());
            out.flush();
        });
        long fails = results.stream().filter(r -> r.status() == CheckResult.Status.FAIL).count();
        long warns = results.stream().filter(r -> r.status() == CheckResult.Status.WARN).count();
        out.printf("doctor: %d checks, %d OK, %d WARN, %d FAIL%n", results.size(), results.size() - fails - warns,
                warns, fails);
        return fails > 0 ? 1 : 0;
    }

    /**
     * Every check, run from inside a running pipeline (the dashboard shows them) on its own resolved configuration.
     */
    public static List<CheckResult> checks(Function<String, String> config) {
        return checks(DoctorSettings.of(config), "all", r -> { });
    }

    /** Runs the checks of one component (or "all"), handing each result over as it comes. */
    private static List<CheckResult> checks(DoctorSettings settings, String component, Consumer<CheckResult> each) {
        List<CheckResult> results = new ArrayList<>();
        CHECKS.forEach((name, check) -> {
            if (component.equals("all") || component.equals(name)) {
                List<CheckResult> found;
                try {
                    found = check.apply(settings);
                } catch (RuntimeException e) {
                    // a setting that cannot be used (a number that is none, a malformed table name)
                    found = List.of(CheckResult.fail(name, "check could not run: " + e,
                            "correct the setting the message names in application.properties or its environment variable"));
                }
                found.forEach(each);
                results.addAll(found);
            }
        });
        return results;
    }

    /** The command-line doctor prints its lines only: the clients it uses log problems it already reports. */
    public static void quietClientLogging() {
        Configurator.setRootLevel(Level.WARN);
        Configurator.setLevel("org.apache.kafka", Level.OFF);
        Configurator.setLevel("software.amazon.awssdk", Level.ERROR);
    }
}
