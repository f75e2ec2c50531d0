#!/usr/bin/env bash
# CSV import benchmark: 1,000,000 generated rows imported by the pipeline (first import, then re-import) beside
# PostgreSQL's COPY of the same file, with the pipeline's JVM limited to 256 MiB of heap.
# Results: bench/results/csv-import.md (also printed). Usage: bench/csv-import.sh [rows]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath
exec java -Xmx256m -XX:+UseParallelGC ${BENCH_OPTS:-} -cp "target/classes:target/test-classes:$(cat target/bench.classpath)" \
  org.cdcpipeline.bench.CsvImportBenchmark "${1:-1000000}"
