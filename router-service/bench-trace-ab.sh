#!/usr/bin/env bash
# A/B of the router core's trace replay: the checked-out tree against an older commit, forks interleaved (old, new,
# old, new, ...) so that drift of a noisy machine lands on both builds alike. Not a test.
# Usage (from the repository root): router-service/bench-trace-ab.sh <base-commit> [rounds] [JMH -p options...]
#   e.g. router-service/bench-trace-ab.sh 4d3c4eb 3 -p workers=8 -p capacityHint=16384 -p removals=batched,perBlock
# Prints one line per fork and parameter set: build, parameters, ops per CPU-second (CpuCounters).
set -euo pipefail
cd "$(dirname "$0")/.."
base="${1:?usage: router-service/bench-trace-ab.sh <base-commit> [rounds] [JMH -p options...]}"; shift
rounds="${1:-3}"; [ $# -gt 0 ] && shift
trace="$(pwd)/../shared/traces/mooncake_conversation_trace.jsonl"
[ -f "$trace" ] || trace="$(pwd)/../../shared/traces/mooncake_conversation_trace.jsonl"
[ -f "$trace" ] || { echo "trace not found next to the repository (../shared/traces)" >&2; exit 2; }

old="$(mktemp -d)/base"
cp_file="$(mktemp)"
trap 'git worktree remove --force "$old" >/dev/null 2>&1 || true; rm -f "$cp_file"' EXIT
git worktree add -q --detach "$old" "$base"
for tree in "$old" .; do
  (cd "$tree" && mvn -B -ntp -o -q -pl router-service -am test-compile)
done
mvn -B -ntp -o -q -pl router-service -am dependency:build-classpath -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=test
deps="$(tr ':' '\n' < "$cp_file" | grep -v '/io/kvroute/' | paste -sd: -)"
classes() {
  echo "$1/router-service/target/classes:$1/router-service/target/test-classes:$1/kv-common/target/classes:$deps"
}
for ((r = 1; r <= rounds; r++)); do
  for build in old new; do
    if [ "$build" = old ]; then tree="$old"; else tree="$(pwd)"; fi
    java -cp "$(classes "$tree")" org.openjdk.jmh.Main TraceReplayBenchmark -p trace="$trace" "$@" \
        -f 1 -wi 2 -w 2s -i 3 -r 2s 2>&1 \
      | awk -v b="$build" '/^CPU-COST/ { p = ""; for (i = 3; i <= NF; i++) { if ($i ~ /=/ && $i !~ /^trace=/) p = p " " $i; if ($i == "ops/cpu-s,") ops = $(i - 1) } sub(/:$/, "", p); print b, p, ops, "ops/cpu-s" }'
  done
done
