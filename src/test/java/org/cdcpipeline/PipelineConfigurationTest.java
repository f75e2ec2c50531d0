package org.cdcpipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;

import org.apache.camel.BindToRegistry;
import org.junit.jupiter.api.Test;

class PipelineConfigurationTest {

    @Test
    void shouldMakeEveryLazyBeanAtStartSoNoneIsFirstMadeWhileTheRoutesRun() {
        List<String> lazy = Stream.of(PipelineConfiguration.class.getDeclaredMethods())
                .map(m -> m.getAnnotation(BindToRegistry.class))
                .filter(b -> b != null && b.lazy()).map(BindToRegistry::value).toList();

        assertThat(lazy).isNotEmpty();
        assertThat(PipelineConfiguration.START_ORDER).containsAll(lazy).doesNotHaveDuplicates();
    }

    @Test
    void shouldStartWithTheDataSourceAndPrepareCaptureAfterTheCsvTables() {
        List<String> order = PipelineConfiguration.START_ORDER;

        assertThat(order.get(0)).isEqualTo("dataSource");
        assertThat(order.indexOf("csvImporter")).isLessThan(order.indexOf("capturedTables"));
    }
}
