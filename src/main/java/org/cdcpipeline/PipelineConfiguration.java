package org.cdcpipeline;

import java.nio.file.Path;
import java.util.function.Function;

import com.zaxxer.hikari.HikariDataSource;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.support.service.ServiceSupport;
import org.cdcpipeline.csv.CsvImporter;
import org.cdcpipeline.csv.CsvRowConverter;
import org.cdcpipeline.csv.ImportStats;

/** Binds the beans the routes call, built from the configuration (after the embedded services have started). */
public final class PipelineConfiguration implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) throws Exception {
        PropertiesComponent properties = context.getPropertiesComponent();
        Function<String, String> config = key -> properties.resolveProperty(key).orElse("");

        HikariDataSource dataSource = PostgresDataSource.create(config);
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                dataSource.close();
            }
        }, true, true);
        context.getRegistry().bind("dataSource", dataSource);

        Path csvDir = Path.of(config.apply("csv.dir"));
        ImportStats importStats = new ImportStats(csvDir, config.apply("csv.include"));
        context.getRegistry().bind("importStats", importStats);
        context.getRegistry().bind("csvRowConverter", new CsvRowConverter());
        context.getRegistry().bind("csvImporter", new CsvImporter(dataSource, importStats, csvDir,
                config.apply("csv.schema"), Path.of(config.apply("csv.schema-dir")),
                Integer.parseInt(config.apply("csv.batch-size"))));
    }
}
