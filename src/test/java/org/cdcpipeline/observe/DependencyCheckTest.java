package org.cdcpipeline.observe;

import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import org.apache.camel.health.HealthCheck;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class DependencyCheckTest {

    private static final String FIX = "check that PostgreSQL runs at db:5432 (POSTGRES_HOST, POSTGRES_PORT)";

    /** The probes' pool as the pipeline makes it: one thread per check, a queue no longer, nothing beyond. */
    private final ThreadPoolExecutor probes = new ThreadPoolExecutor(1, 1, 60, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(1), new ThreadPoolExecutor.AbortPolicy());
    /** The checks' clock, moved by the tests: an answer ages only when a test says so. */
    private final AtomicLong clock = new AtomicLong();
    /** The management server's request threads. */
    private final ExecutorService requests = Executors.newFixedThreadPool(50);

    @AfterEach
    void stop() {
        probes.shutdownNow();
        requests.shutdownNow();
    }

    @Test
    void shouldRunTheProbeOncePerCacheIntervalHoweverManyRequestsAskAtOnce() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        DependencyCheck check = check(() -> {
            runs.incrementAndGet();
            return "db:5432";
        }, 2000, 500);

        List<HealthCheck.Result> first = callConcurrently(check, 200);
        assertThat(first).allSatisfy(r -> assertThat(r.getState()).isEqualTo(HealthCheck.State.UP));
        assertThat(first).allSatisfy(r -> assertThat(r.getDetails()).containsEntry("detail", "db:5432"));
        assertThat(runs).hasValue(1);

        // once the answer is older than the cache interval, the next requests cause one new probe
        clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(600));
        assertThat(callConcurrently(check, 200)).allSatisfy(r -> assertThat(r.getState()).isEqualTo(HealthCheck.State.UP));
        assertThat(runs).hasValue(2);
        assertThat(probes.getLargestPoolSize()).isEqualTo(1);
    }

    @Test
    void shouldReportDownWithinTheTimeoutWhileTheProbeHangsAndStartNoSecondProbe() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch serverAnswers = new CountDownLatch(1);
        // the real clock (the probe's timeout is waited in real time), moved on at will past the cache interval
        AtomicLong skew = new AtomicLong();
        DependencyCheck check = check(() -> {
            runs.incrementAndGet();
            serverAnswers.await();
            throw new SocketTimeoutException("Read timed out");
        }, 300, 100, () -> System.nanoTime() + skew.get());

        long start = System.nanoTime();
        List<HealthCheck.Result> results = callConcurrently(check, 200);
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThat(results).allSatisfy(r -> {
            assertThat(r.getState()).isEqualTo(HealthCheck.State.DOWN);
            assertThat(r.getMessage()).get().asString().startsWith("postgresql: no answer for ")
                    .contains("(health.timeout-ms=300); " + FIX);
        });
        // the requests waited for the one probe's timeout, not one timeout each
        assertThat(tookMillis).isLessThan(3000);
        // asked again past the cache interval: still the one probe, still DOWN at once
        skew.addAndGet(TimeUnit.MILLISECONDS.toNanos(200));
        long again = System.nanoTime();
        assertThat(callConcurrently(check, 200)).allSatisfy(r -> assertThat(r.getState()).isEqualTo(HealthCheck.State.DOWN));
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - again)).isLessThan(1000);
        assertThat(runs).hasValue(1);
        assertThat(probes.getLargestPoolSize()).isEqualTo(1);

        // the hung probe ends by its own timeout, and its cause becomes the answer
        serverAnswers.countDown();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            HealthCheck.Result ended = check.call();
            assertThat(ended.getState()).isEqualTo(HealthCheck.State.DOWN);
            assertThat(ended.getMessage()).contains("postgresql: Read timed out; " + FIX);
            assertThat(ended.getError()).get().isInstanceOf(SocketTimeoutException.class);
        });
    }

    @Test
    void shouldReportTheProbesErrorAndTheFixWhenTheServiceRefuses() {
        DependencyCheck check = check(() -> {
            throw new IllegalStateException("Connection to db:5432 refused");
        }, 1000, 0);

        HealthCheck.Result result = check.call();

        assertThat(result.getState()).isEqualTo(HealthCheck.State.DOWN);
        assertThat(result.getMessage()).contains("postgresql: Connection to db:5432 refused; " + FIX);
        assertThat(result.getError()).get().isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shouldReportDownAndProbeAgainLaterWhenNoProbeThreadIsFree() {
        AtomicInteger offered = new AtomicInteger();
        DependencyCheck check = new DependencyCheck("postgresql", () -> "db:5432", new DependencyCheck.Limits(task -> {
            if (offered.incrementAndGet() == 1) {
                throw new RejectedExecutionException("pool shut down");
            }
            task.run();
        }, 1000, 0), FIX);
        check.setCamelContext(new DefaultCamelContext());

        HealthCheck.Result refused = check.call();
        assertThat(refused.getState()).isEqualTo(HealthCheck.State.DOWN);
        assertThat(refused.getMessage()).contains("postgresql: no probe thread free (pool shut down); " + FIX);

        assertThat(check.call().getState()).isEqualTo(HealthCheck.State.UP);
    }

    private DependencyCheck check(DependencyCheck.Probe probe, long timeoutMillis, long cacheMillis) {
        return check(probe, timeoutMillis, cacheMillis, clock::get);
    }

    private DependencyCheck check(DependencyCheck.Probe probe, long timeoutMillis, long cacheMillis, LongSupplier nanoTime) {
        DependencyCheck check = new DependencyCheck("postgresql", probe,
                new DependencyCheck.Limits(probes, timeoutMillis, cacheMillis, nanoTime), FIX);
        check.setCamelContext(new DefaultCamelContext());
        return check;
    }

    /** Asks the check {@code count} times from 50 threads at once, as concurrent HTTP requests would. */
    private List<HealthCheck.Result> callConcurrently(DependencyCheck check, int count) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<HealthCheck.Result>> answers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            answers.add(requests.submit(() -> {
                go.await();
                return check.call();
            }));
        }
        go.countDown();
        List<HealthCheck.Result> results = new ArrayList<>();
        for (Future<HealthCheck.Result> answer : answers) {
            results.add(answer.get(30, TimeUnit.SECONDS));
        }
        return results;
    }
}
