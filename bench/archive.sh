#!/usr/bin/env bash
# Raw archive benchmark: a topic pre-filled with change events, archived by the raw-archive route as Parquet into the
# embedded S3 server; events/s and peak heap. Results: bench/results/archive.md (also printed).
# Usage: bench/archive.sh [events]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath
rm -rf bench/work/archive
exec java -Xmx512m -XX:+UseParallelGC ${BENCH_OPTS:-} -cp "target/classes:target/test-classes:$(cat target/bench.classpath)" \
  org.cdcpipeline.bench.ArchiveBenchmark "${1:-1000000}"
