#!/usr/bin/env bash
# Scale-out benchmark: the fat jar as 1 and as 2 separate processes (archive and aggregates) consuming a pre-filled
# 3-partition topic, events/s and the ratio 2/1, which consumer group members held the partitions; then capture's
# take-over after a kill -9 of the capturing instance (median of 5). BENCH_PIPELINE_OPTS: the instances' JVM options
# (default: those of the README's run command).
# Runs of each (default 2) alternate: 1, 2, 2, 1, ... Results: bench/results/scale.md (also printed).
# Usage: bench/scale.sh [events] [runs] [take-overs]
set -euo pipefail
cd "$(dirname "$0")/.."
export BENCH_PIPELINE_OPTS="${BENCH_PIPELINE_OPTS:--Xmx640m -XX:+UseParallelGC -XX:+ExitOnOutOfMemoryError}"
mvn -q -B ${MVN_ARGS:-} package -DskipTests dependency:build-classpath -Dmdep.outputFile=target/bench.classpath
rm -rf bench/work/scale
exec java -Xmx1g -XX:+UseParallelGC ${BENCH_OPTS:-} -cp "target/classes:target/test-classes:$(cat target/bench.classpath)" \
  org.cdcpipeline.bench.ScaleBenchmark "${1:-600000}" "${2:-2}" "${3:-5}"
