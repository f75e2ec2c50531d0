package org.cdcpipeline;

import java.util.function.Function;

import org.apache.camel.CamelContext;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.spi.PropertiesComponent;
import org.cdcpipeline.embedded.EmbeddedServices;

/** Prints every endpoint once the routes run, so a user can connect psql, a Kafka client and an S3 client. */
final class Banner extends MainListenerSupport {

    @Override
    public void afterStart(BaseMainSupport main) {
        CamelContext context = main.getCamelContext();
        PropertiesComponent properties = context.getPropertiesComponent();
        Function<String, String> config = key -> properties.resolveProperty(key).orElse("");
        EmbeddedServices embedded = context.getRegistry().lookupByNameAndType("embeddedServices", EmbeddedServices.class);
        boolean pg = embedded != null && embedded.isEmbedded("postgres.host");
        boolean kafka = embedded != null && embedded.isEmbedded("kafka.bootstrap-servers");
        boolean s3 = embedded != null && embedded.isEmbedded("s3.endpoint");

        StringBuilder b = new StringBuilder("\n");
        b.append("=== cdc-pipeline is running ==================================================\n");
        boolean devPassword = pg && config.apply("postgres.credentials-source").startsWith("development");
        b.append(String.format("  PostgreSQL  psql \"postgresql://%s%s@%s:%s/%s\"%n", config.apply("postgres.user"),
                devPassword ? ":" + config.apply("postgres.password") : "", config.apply("postgres.host"),
                config.apply("postgres.port"), config.apply("postgres.db")));
        b.append(pg ? "              embedded, data in " + config.apply("pipeline.data-dir") + "/postgres, "
                + (devPassword ? config.apply("postgres.credentials-source") : "password from POSTGRES_PASSWORD") + "\n"
                : "              password from POSTGRES_PASSWORD\n");
        b.append(String.format("  Kafka       bootstrap %s%s%n", config.apply("kafka.bootstrap-servers"),
                kafka ? "  (embedded KRaft broker, data in " + config.apply("pipeline.data-dir") + "/kafka)" : ""));
        b.append(String.format("  S3          %s  bucket %s  region %s%s%n", config.apply("s3.endpoint"),
                config.apply("s3.bucket"), config.apply("s3.region"), s3 ? "  (embedded)" : ""));
        if (s3) {
            b.append(String.format("              access key %s  secret key %s%n              (%s)%n",
                    config.apply("s3.access-key"), config.apply("s3.secret-key"), config.apply("s3.credentials-source")));
        } else {
            b.append("              credentials from S3_ACCESS_KEY / S3_SECRET_KEY\n");
        }
        String csvDir = config.apply("csv.dir");
        b.append(String.format("  CSV         drop files into %s/ (imported: %s/.done/, refused: %s/.error/)%n", csvDir,
                csvDir, csvDir));
        if (Boolean.parseBoolean(config.apply("observe.enabled"))) {
            String base = "http://" + config.apply("observe.host") + ":" + config.apply("observe.port");
            b.append(String.format("  Health      %s/observe/health   metrics %s/observe/metrics%n", base, base));
        }
        if (Boolean.parseBoolean(config.apply("jmx.enabled"))) {
            b.append(String.format("  JMX         %s:%s  (routes: org.apache.camel:context=%s,type=routes,name=\"<id>\")%n",
                    config.apply("jmx.host"), config.apply("jmx.port"), config.apply("camel.main.name")));
        }
        b.append("  Doctor      java -jar target/cdc-pipeline.jar doctor\n");
        b.append("  Stop with Ctrl-C.\n");
        b.append("==============================================================================");
        System.out.println(b);
    }
}
