#!/usr/bin/env bash
# Soak: the fault-injection suite (FaultInjectionIT) for N rounds: the fat jar under continuous upserts and deletes,
# a table created mid-run, one random fault per round (kill -9, PostgreSQL crash, walsender terminated, S3 cut or
# slow, Kafka restart); then every committed change must be in the raw archive exactly once and every aggregate equal
# its GROUP BY. Results: bench/results/soak.md (also printed). Usage: bench/soak.sh [rounds] [seed]
# A round takes about 25 s: 100 rounds run about 45 minutes. MVN_ARGS adds Maven options (e.g. -o).
set -uo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-100}"
seed_arg=()
if [ -n "${2:-}" ]; then
  seed_arg=("-Dfaults.seed=$2")
fi
started=$(date +%s)
mvn -B -q ${MVN_ARGS:-} verify -Dtest=NoSuchTest -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=FaultInjectionIT \
  -Dfaults.rounds="$rounds" "${seed_arg[@]}" > target/soak-maven.log 2>&1
status=$?
run=$(ls -dt target/fault-injection/run-* 2> /dev/null | head -1)
if [ -z "$run" ] || [ ! -f "$run/summary.properties" ]; then
  echo "The suite ended (exit $status) before its summary was written: see target/soak-maven.log and" \
       "target/failsafe-reports/org.cdcpipeline.faults.FaultInjectionIT-output.txt" >&2
  exit 1
fi
value() { grep -m1 "^$1=" "$run/summary.properties" | cut -d= -f2-; }
verdict="passed"
[ "$status" -eq 0 ] || verdict="FAILED"

mkdir -p bench/results
{
  echo "# Soak: fault injection"
  echo
  echo "\`bench/soak.sh $rounds\` on $(date -u +%Y-%m-%d) ($(nproc) cores), commit $(git rev-parse --short HEAD):"
  echo "FaultInjectionIT with $rounds rounds; each round waits 6-17 s under load (two clients upserting and deleting"
  echo "\`klienci\`, and the table \`zamowienia\` created mid-run), then injects one fault drawn at random."
  echo "Replay the draws with \`bench/soak.sh $rounds $(value seed)\`."
  echo
  echo "| measure | value |"
  echo "|---|---|"
  echo "| result | $verdict |"
  echo "| seed | $(value seed) |"
  echo "| rounds | $(value rounds) |"
  echo "| faults drawn | $(value fault.counts) |"
  echo "| changes committed (audit trail) | $(value changes) |"
  echo "| in the archive (first copy) | $(value archived) |"
  echo "| lost (not in the archive) | $(value lost) |"
  echo "| lost before Kafka (capture) | $(value lost.before.kafka) |"
  echo "| duplicate copies | $(value duplicated) |"
  echo "| archived but not committed as such | $(value unexpected) |"
  echo "| out of commit order per row | $(value out.of.order) |"
  echo "| aggregates | $(value aggregates) |"
  echo "| incidents (pipeline exited on its own, capture stuck) | $(value incidents) |"
  echo "| run time (s) | $(( $(date +%s) - started )) |"
  echo
  echo "Fault sequence: $(value faults)"
  if [ "$verdict" = "FAILED" ]; then
    echo
    echo "## Diagnosis"
    echo
    echo '```'
    head -60 "$run/diagnosis.txt"
    echo '```'
  fi
} > bench/results/soak.md
cat bench/results/soak.md
echo "Logs of every pipeline start: $run"
exit "$status"
