#!/usr/bin/env bash
# Change capture benchmark: 200,000 committed changes caught up by a count-only Debezium route (the ceiling) and by
# the pipeline's cdc-capture route into Kafka; then commit-to-Kafka latency at a steady 1,000 changes/s.
# Results: bench/results/cdc.md (also printed). Usage: bench/cdc.sh [changes]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath
rm -rf bench/work/cdc
exec java -Xmx1g ${BENCH_OPTS:-} -cp "target/classes:target/test-classes:$(cat target/bench.classpath)" \
  org.cdcpipeline.bench.CdcBenchmark "${1:-200000}"
