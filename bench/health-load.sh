#!/usr/bin/env bash
# Health load benchmark: after 30 s of warm-up imports, a 1,000,000-row CSV file imported back to back for 30 s without
# health requests, 30 s with 50 concurrent GET /observe/health every second (from a JVM of its own), and 30 s without
# again, with the pipeline's JVM limited to 256 MiB of heap as in bench/csv-import.sh. Target: the import's rate
# changes by less than 10% under the health load. Then the CPU the load takes with the pipeline idle. About 4 minutes.
# Results: bench/results/health-load.md (also printed). Usage: bench/health-load.sh [rows]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath
rm -rf bench/work/health-load
exec java -Xmx256m -XX:+UseParallelGC ${BENCH_OPTS:-} -cp "target/classes:target/test-classes:$(cat target/bench.classpath)" \
  org.cdcpipeline.bench.HealthLoadBenchmark "${1:-1000000}"
