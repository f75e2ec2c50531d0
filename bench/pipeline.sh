#!/usr/bin/env bash
# End-to-end benchmark: the fat jar on its embedded default, the sample files imported, then N new klienci rows
# dropped as one CSV file; seconds until PostgreSQL, Kafka, the raw archive and the klienci aggregate hold them all,
# and the process's peak RSS and heap. BENCH_PIPELINE_OPTS: the pipeline's JVM options (default: those of the
# README's run command).
# Results: bench/results/pipeline-<rows>.md (also printed). Usage: bench/pipeline.sh [rows] [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
export BENCH_PIPELINE_OPTS="${BENCH_PIPELINE_OPTS:--Xmx640m -XX:+UseParallelGC -XX:+ExitOnOutOfMemoryError}"
mvn -q -B ${MVN_ARGS:-} package -DskipTests dependency:build-classpath -Dmdep.outputFile=target/bench.classpath
exec java -Xmx512m -cp "target/classes:target/test-classes:$(cat target/bench.classpath)" \
  org.cdcpipeline.bench.PipelineBenchmark "${1:-1000000}" "${2:-3}"
