package org.cdcpipeline;

import java.util.function.Function;
import java.util.function.Predicate;

import org.apache.camel.CamelContext;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.spi.PropertiesComponent;
import org.cdcpipeline.embedded.EmbeddedServices;

/**
 * Prints every endpoint once the routes run, so a user can connect psql, a Kafka client and an S3 client, and says
 * where their passwords are (never the passwords themselves: the output ends up in logs). Named in
 * camel.main.main-listener-classes, so {@code camel run} prints it as {@code java -jar} does.
 */
public final class Banner extends MainListenerSupport {

    /** Stands for a password or secret key in what the banner shows. */
    static final String MASK = "****";

    @Override
    public void afterStart(BaseMainSupport main) {
        CamelContext context = main.getCamelContext();
        PropertiesComponent properties = context.getPropertiesComponent();
        EmbeddedServices embedded = context.getRegistry().lookupByNameAndType(EmbeddedServicesConfiguration.NAME,
                EmbeddedServices.class);
        System.out.println(text(key -> properties.resolveProperty(key).orElse(""),
                embedded == null ? key -> false : embedded::isEmbedded));
    }

    /**
     * The banner for a configuration; {@code embedded} tells which endpoint keys have an embedded server. Passwords
     * and secret keys are never shown, only where they come from.
     */
    static String text(Function<String, String> config, Predicate<String> embedded) {
        boolean pg = embedded.test("postgres.host");
        boolean kafka = embedded.test("kafka.bootstrap-servers");
        boolean s3 = embedded.test("s3.endpoint");
        String dataDir = config.apply("pipeline.data-dir");

        StringBuilder b = new StringBuilder("\n");
        b.append("=== cdc-pipeline is running ==================================================\n");
        String password = config.apply("postgres.password").isEmpty() ? "" : ":" + MASK;
        b.append(String.format("  PostgreSQL  postgresql://%s%s@%s:%s/%s%n", config.apply("postgres.user"), password,
                config.apply("postgres.host"), config.apply("postgres.port"), config.apply("postgres.db")));
        b.append(pg ? "              embedded, data in " + dataDir + "/postgres; " : "              ");
        b.append("password " + source(config, "postgres.password-source", "POSTGRES_PASSWORD") + "\n");
        b.append(String.format("  Kafka       bootstrap %s%s%n", config.apply("kafka.bootstrap-servers"),
                kafka ? "  (embedded KRaft broker, data in " + dataDir + "/kafka)" : ""));
        b.append(String.format("  S3          %s  bucket %s  region %s%s%n", config.apply("s3.endpoint"),
                config.apply("s3.bucket"), config.apply("s3.region"), s3 ? "  (embedded)" : ""));
        if (config.apply("s3.access-key").isEmpty()) {
            b.append("              credentials from the AWS default chain (S3_ACCESS_KEY / S3_SECRET_KEY not set)\n");
        } else {
            b.append(String.format("              access key %s, secret key %s%n", config.apply("s3.access-key"),
                    source(config, "s3.secret-key-source", "S3_SECRET_KEY")));
        }
        String csvDir = config.apply("csv.dir");
        b.append(String.format("  CSV         drop files into %s/ (imported: %s/.done/, refused: %s/.error/)%n", csvDir,
                csvDir, csvDir));
        if (Boolean.parseBoolean(config.apply("observe.enabled"))) {
            String base = "http://" + config.apply("observe.host") + ":" + config.apply("observe.port");
            b.append(String.format("  Health      %s/observe/health   metrics %s/observe/metrics%n", base, base));
        }
        if (Boolean.parseBoolean(config.apply("dashboard.enabled"))) {
            b.append(String.format("  Dashboard   http://%s:%s/dashboard/%n", config.apply("dashboard.host"),
                    config.apply("dashboard.port")));
        }
        if (Boolean.parseBoolean(config.apply("jmx.enabled"))) {
            b.append(String.format("  JMX         %s:%s  (routes: org.apache.camel:context=%s,type=routes,name=\"<id>\")%n",
                    config.apply("jmx.host"), config.apply("jmx.port"), config.apply("camel.main.name")));
        }
        b.append("  Doctor      java -jar target/cdc-pipeline.jar doctor\n");
        b.append("  Stop with Ctrl-C.\n");
        b.append("==============================================================================");
        return b.toString();
    }

    /** Where a secret is: the embedded services say so ("in <file> (key)"); otherwise it is configured. */
    private static String source(Function<String, String> config, String sourceKey, String variable) {
        String source = config.apply(sourceKey);
        return source.isEmpty() ? "from " + variable : source;
    }
}
