#!/usr/bin/env bash
# Runs benchmarks and prints their figures beside the last committed ones, so a change's effect is visible before it
# is committed. Each benchmark rewrites its file in bench/results; the committed version (git HEAD, or REV) is the
# baseline. Every numeric cell of every table row is compared, by row label and column.
#
# Usage: bench/compare.sh [--no-run] [--rev REV] [benchmark ...]
#   benchmark: csv-import, cdc, archive, aggregate, pipeline (default: all five; pipeline = 1,000,000 rows, 3 runs)
#   --no-run: compare the result files already in the working tree
#   --rev REV: the baseline (default HEAD)
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

run=true
rev=HEAD
benches=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-run) run=false ;;
    --rev) rev="$2"; shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) benches+=("$1") ;;
  esac
  shift
done
[ ${#benches[@]} -gt 0 ] || benches=(csv-import cdc archive aggregate pipeline)

result_file() {
  case "$1" in
    pipeline) echo bench/results/pipeline-1000000.md ;;
    *) echo "bench/results/$1.md" ;;
  esac
}

for b in "${benches[@]}"; do
  [ -f "bench/$b.sh" ] || { echo "no benchmark bench/$b.sh (one of: csv-import cdc archive aggregate pipeline)" >&2; exit 2; }
done

if $run; then
  for b in "${benches[@]}"; do
    echo "== running bench/$b.sh" >&2
    if [ "$b" = pipeline ]; then bash bench/pipeline.sh 1000000 3; else bash "bench/$b.sh"; fi > /dev/null
  done
fi

# "label<TAB>column<TAB>number" for every numeric cell of every table row (first cell = label)
cells() {
  awk -F'|' '
    function trim(s) { gsub(/^[ \t]+|[ \t]+$/, "", s); return s }
    /^\|/ {
      if ($0 ~ /^\|[- :|]+\|?$/) next
      n = split($0, c, "|")
      if (!inTable) { for (i = 2; i < n; i++) head[i] = trim(c[i]); inTable = 1; next }
      label = trim(c[2])
      for (i = 3; i < n; i++) {
        v = trim(c[i]); gsub(/,/, "", v)
        if (v ~ /^-?[0-9]+(\.[0-9]+)?$/) print label "\t" head[i] "\t" v
      }
      next
    }
    { inTable = 0 }'
}

for b in "${benches[@]}"; do
  file=$(result_file "$b")
  echo
  echo "## $b ($file: $rev vs working tree)"
  if ! git cat-file -e "$rev:$file" 2> /dev/null; then
    echo "no committed $file at $rev: nothing to compare"
    continue
  fi
  [ -f "$file" ] || { echo "no $file in the working tree"; continue; }
  join -t $'\t' -a 2 -e '-' -o '1.2,2.1,2.2' \
      <(git show "$rev:$file" | cells | awk -F'\t' '{print $1 " / " $2 "\t" $3}' | sort -t $'\t' -k1,1) \
      <(cells < "$file" | awk -F'\t' '{print $1 " / " $2 "\t" $3}' | sort -t $'\t' -k1,1) |
    awk -F'\t' '
      BEGIN { printf "%-90s %14s %14s %9s\n", "figure", "committed", "now", "change" }
      {
        change = ($1 == "-" || $1 == 0) ? "new" : sprintf("%+.1f%%", ($3 - $1) * 100 / $1)
        printf "%-90s %14s %14s %9s\n", substr($2, 1, 90), $1, $3, change
      }'
done
