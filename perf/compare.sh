#!/usr/bin/env bash
# Runs one workload under several router policies, each on a freshly started local system (deploy/run-local.sh:
# new simulated engines with empty caches, new router), and prints one comparison table plus the workload's ideal
# prefix hit rate (share of blocks already seen earlier in the trace: one infinite cache).
#
#   perf/compare.sh [--trace FILE] [--offset 0] [--limit 2000] [--time-scale 0.25] [--workers 4]
#                   [--num-blocks 65536] [--speedup 1.0] [--policies "kv seed round_robin random least_loaded"]
#                   [--synthetic] [--out-dir perf/results/compare-<time>] [--port-offset 0]
#                   [--max-input-tokens 0] [--max-output-tokens 0] [--concurrency 0]
#                   [--run-local-arg ARG]... [--loadgen-arg ARG]...
# A --policies entry is a policy name, or LABEL=POLICY:ROUTER_ARG[,ROUTER_ARG...] for a tuned variant
# (e.g. kv-affinity=kv:--prefill-load-scale=4).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
trace="$root/../shared/traces/mooncake_conversation_trace.jsonl"
[[ -f "$trace" ]] || trace="/work/shared/traces/mooncake_conversation_trace.jsonl"
offset=0
limit=2000
time_scale=0.25
workers=4
num_blocks=65536
speedup=1.0
policies="kv seed round_robin random least_loaded"
synthetic=0
out_dir="$root/perf/results/compare-$(date -u +%Y%m%d-%H%M%S)"
port_offset=0
max_input=0
max_output=0
concurrency=0
run_local_args=()
loadgen_args=()

usage() { echo "Usage: ${BASH_SOURCE[0]##*/} [options]"; sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while (($#)); do
  case "$1" in
    --trace) trace="$2"; shift 2 ;;
    --offset) offset="$2"; shift 2 ;;
    --limit) limit="$2"; shift 2 ;;
    --time-scale) time_scale="$2"; shift 2 ;;
    --workers) workers="$2"; shift 2 ;;
    --num-blocks) num_blocks="$2"; shift 2 ;;
    --speedup) speedup="$2"; shift 2 ;;
    --policies) policies="$2"; shift 2 ;;
    --synthetic) synthetic=1; shift ;;
    --out-dir) out_dir="$2"; shift 2 ;;
    --port-offset) port_offset="$2"; shift 2 ;;
    --max-input-tokens) max_input="$2"; shift 2 ;;
    --max-output-tokens) max_output="$2"; shift 2 ;;
    --concurrency) concurrency="$2"; shift 2 ;;
    --run-local-arg) run_local_args+=("$2"); shift 2 ;;
    --loadgen-arg) loadgen_args+=("$2"); shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "compare.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done

mkdir -p "$out_dir"
out_dir="$(cd "$out_dir" && pwd)"
jar="$root/perf/target/perf.jar"
if [[ ! -f "$jar" ]] || [[ -n "$(find "$root/perf/src/main" "$root/kv-common/src/main" -newer "$jar" -type f -print -quit)" ]]; then
  echo "compare.sh: building the load generator ..." >&2
  (cd "$root" && mvn -B -ntp -q -DskipTests -pl perf -am package)
fi
loadgen() {
  # shellcheck disable=SC2086
  java ${KVROUTE_LOADGEN_JAVA_OPTS:--Xmx1g -XX:+UseSerialGC -XX:ActiveProcessorCount=2} -jar "$jar" "$@"
}
gateway="http://127.0.0.1:$((8000 + port_offset))"

stack_pid=""
stop_stack() {
  if [[ -n "$stack_pid" ]] && kill -0 "$stack_pid" 2>/dev/null; then
    kill -TERM "$stack_pid" 2>/dev/null || true
    wait "$stack_pid" 2>/dev/null || true
  fi
  stack_pid=""
}
trap stop_stack EXIT
trap 'echo; exit 130' INT
trap 'exit 143' TERM

# Build the services once up front (when missing or stale); every policy then runs the same jars.
"$root/deploy/run-local.sh" --build-only

workload=()
if ((synthetic)); then
  workload=(synthetic --concurrency 25 --requests 100 --unique-prompts 10 --isl 3000 --osl 100)
  ideal_line="ideal hit rate: n/a for the synthetic workload (10 prompts reused: 90% of requests repeat a prompt)"
else
  slice=(--trace "$trace" --offset "$offset" --limit "$limit" --max-input-tokens "$max_input"
    --max-output-tokens "$max_output")
  workload=(trace "${slice[@]}" --time-scale "$time_scale" --concurrency "$concurrency")
  ideal_json="$(loadgen ideal "${slice[@]}")"
  echo "$ideal_json" >"$out_dir/ideal.json"
  ideal_line="ideal hit rate of the workload: $ideal_json"
fi
echo "compare.sh: $ideal_line"
echo "compare.sh: results in $out_dir"

runs=()
for entry in $policies; do
  # An entry is POLICY, or LABEL=POLICY:ROUTER_ARG[,ROUTER_ARG...] for a tuned variant,
  # e.g. kv-affinity=kv:--prefill-load-scale=4
  label="${entry%%=*}"; spec="${entry#*=}"
  policy="${spec%%:*}"
  router_extra=()
  if [[ "$spec" == *:* ]]; then
    IFS=, read -r -a parts <<<"${spec#*:}"
    for a in "${parts[@]}"; do router_extra+=(--router-arg "$a"); done
  fi
  echo
  echo "=== $label (policy $policy${router_extra[*]:+, router ${router_extra[*]//--router-arg /}}): fresh system" \
    "($workers simulated workers, --num-blocks $num_blocks, --speedup $speedup) ==="
  logs="$out_dir/logs-$label"
  "$root/deploy/run-local.sh" --no-build --no-demo --workers "$workers" --policy "$policy" \
    --num-blocks "$num_blocks" --speedup "$speedup" --port-offset "$port_offset" --log-dir "$logs" \
    "${router_extra[@]}" "${run_local_args[@]}" >"$out_dir/run-local-$label.log" 2>&1 &
  stack_pid=$!
  deadline=$((SECONDS + 420))
  until grep -q "press Ctrl-C" "$out_dir/run-local-$label.log" 2>/dev/null; do
    if ! kill -0 "$stack_pid" 2>/dev/null || ((SECONDS > deadline)); then
      echo "compare.sh: the local system did not come up for $label:" >&2
      tail -n 30 "$out_dir/run-local-$label.log" >&2
      exit 1
    fi
    sleep 1
  done
  loadgen "${workload[@]}" --url "$gateway" --label "$label" --name "$label" --out-dir "$out_dir" \
    --workers "$workers" --router-url "http://127.0.0.1:$((7000 + port_offset))" "${loadgen_args[@]}" || echo "compare.sh: load generator failed for $label" >&2
  [[ -f "$out_dir/$label.json" ]] && runs+=(--run "$out_dir/$label.json")
  stop_stack
done

echo
echo "compare.sh: $ideal_line"
table="$(loadgen table "${runs[@]}")"
echo "$table" | tee "$out_dir/table.md"
