#!/usr/bin/env bash
# Dashboard freshness: the pipeline at its default settings with the page open in headless chromium (Debian's
# chromium and chromium-driver); N committed UPDATEs each move a customer to a new country; the time from the commit
# to the page showing it, median and p99. Results: bench/results/dashboard.md (also printed).
# Usage: bench/dashboard.sh [updates]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B ${MVN_ARGS:-} package -DskipTests dependency:build-classpath -Dmdep.outputFile=target/bench.classpath
rm -rf bench/work/dashboard
exec java -Xmx640m -XX:+UseParallelGC -cp "target/classes:target/test-classes:$(cat target/bench.classpath)" \
  org.cdcpipeline.bench.DashboardBenchmark "${1:-50}"
