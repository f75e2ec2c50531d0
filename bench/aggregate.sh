#!/usr/bin/env bash
# Aggregate benchmark: a topic pre-filled with 1,000,000 change events over 1,000 groups, applied by the
# klienci-by-country aggregate; records/s, peak heap, and the time to write one complete snapshot to S3.
# Results: bench/results/aggregate.md (also printed). Usage: bench/aggregate.sh [events]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath
rm -rf bench/work/aggregate
exec java -Xmx1g -XX:+UseParallelGC ${BENCH_OPTS:-} -cp "target/classes:target/test-classes:$(cat target/bench.classpath)" \
  org.cdcpipeline.bench.AggregateBenchmark "${1:-1000000}"
