#!/usr/bin/env bash
# Health load benchmark: a 1,000,000-row CSV file imported back to back for 30 s without health requests, 30 s with
# 50 concurrent GET /observe/health every second, and 30 s without again, with the pipeline's JVM limited to 256 MiB
# of heap as in bench/csv-import.sh. Target: the import's rate changes by less than 10% under the health load.
# Results: bench/results/health-load.md (also printed). Usage: bench/health-load.sh [rows]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath
rm -rf bench/work/health-load
exec java -Xmx256m ${BENCH_OPTS:-} -cp "target/classes:target/test-classes:$(cat target/bench.classpath)" \
  org.cdcpipeline.bench.HealthLoadBenchmark "${1:-1000000}"
