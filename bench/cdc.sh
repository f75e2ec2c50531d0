#!/usr/bin/env bash
# Change capture benchmark: 200,000 committed changes caught up by PostgreSQL's own decoding (pg_recvlogical), by a
# count-only Debezium route (the engine's ceiling) and by the pipeline's cdc-capture route into Kafka; then
# commit-to-Kafka latency at a steady 1,000 changes/s.
# Results: bench/results/cdc.md (also printed). Usage: bench/cdc.sh [changes]
set -euo pipefail
cd "$(dirname "$0")/.."
# pg_recvlogical measures PostgreSQL's own decoding rate of the same changes
if ! command -v pg_recvlogical > /dev/null && ! ls /usr/lib/postgresql/*/bin/pg_recvlogical > /dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql-client > /dev/null
fi
mvn -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath
rm -rf bench/work/cdc
exec java -Xmx1g -XX:+UseParallelGC ${BENCH_OPTS:-} -cp "target/classes:target/test-classes:$(cat target/bench.classpath)" \
  org.cdcpipeline.bench.CdcBenchmark "${1:-200000}"
