package org.cdcpipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.util.concurrent.ExecutionException;

import org.apache.camel.RuntimeCamelException;
import org.junit.jupiter.api.Test;

class CausesTest {

    private final IOException io = new IOException("connection refused");
    private final SQLException sql = new SQLException("cannot connect", "08001", io);
    private final Exception wrapped = new RuntimeCamelException(new ExecutionException(sql));

    @Test
    void shouldFindTheDeepestCauseBeneathTheWrappers() {
        assertThat(Causes.root(wrapped)).isSameAs(io);
    }

    @Test
    void shouldTakeAnExceptionWithoutCauseAsItsOwnRoot() {
        assertThat(Causes.root(io)).isSameAs(io);
    }

    @Test
    void shouldFindTheFirstCauseThatPassesTheTestOutermostFirst() {
        assertThat(Causes.first(wrapped, t -> t instanceof SQLException s && "08001".equals(s.getSQLState())))
                .containsSame(sql);
        assertThat(Causes.first(wrapped, t -> t instanceof Exception)).containsSame(wrapped);
    }

    @Test
    void shouldFindNothingWhenNoCausePasses() {
        assertThat(Causes.first(wrapped, t -> t instanceof UncheckedIOException)).isEmpty();
    }
}
