#!/usr/bin/env bash
# The reference perf.sh workload against the kvroute gateway: chat endpoint, streaming, ISL 3000, OSL 100
# (min_tokens = max_tokens = 100, ignore_eos), concurrency 25, 100 requests, 10 unique prompts, seed 42.
# Runs the same aiperf command as the reference when `aiperf` is on PATH, else kvroute's Java load generator with
# the identical workload (JSON + CSV + HTML report under --out-dir).
#
#   perf/perf.sh [--url http://127.0.0.1:8000] [--isl 3000] [--osl 100] [--concurrency 25] [--requests 100]
#                [--unique-prompts 10] [--seed 42] [--model M] [--out-dir perf/results] [--label NAME]
#                [--loadgen | --aiperf] [-- extra args for the tool]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
url="http://127.0.0.1:8000"
model="Qwen/Qwen2.5-0.5B-Instruct"
isl=3000
osl=100
concurrency=25
requests=100
unique=10
seed=42
out_dir="$root/perf/results"
label=""
tool=auto
extra=()

usage() {
  echo "Usage: ${BASH_SOURCE[0]##*/} [options]"
  sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  cat <<EOF

Options (defaults = the reference workload):
  --url URL            gateway base URL ($url)
  --model M            model name ($model)
  --isl N              input tokens per prompt ($isl)
  --osl N              output tokens, min = max, ignore_eos ($osl)
  --concurrency N      requests in flight ($concurrency)
  --requests N         total requests ($requests)
  --unique-prompts N   distinct prompts ($unique)
  --seed N             random seed ($seed)
  --out-dir DIR        where reports go ($out_dir)
  --label NAME         run label / report name
  --aiperf             require aiperf;  --loadgen  always use the Java load generator
  -- ARGS              passed to the tool unchanged
EOF
}

while (($#)); do
  case "$1" in
    --url) url="$2"; shift 2 ;;
    --model) model="$2"; shift 2 ;;
    --isl) isl="$2"; shift 2 ;;
    --osl) osl="$2"; shift 2 ;;
    --concurrency) concurrency="$2"; shift 2 ;;
    --requests) requests="$2"; shift 2 ;;
    --unique-prompts) unique="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --out-dir) out_dir="$2"; shift 2 ;;
    --label) label="$2"; shift 2 ;;
    --aiperf) tool=aiperf; shift ;;
    --loadgen) tool=loadgen; shift ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) usage; exit 0 ;;
    *) echo "perf.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done

if [[ "$tool" == auto ]]; then
  if command -v aiperf >/dev/null; then tool=aiperf; else tool=loadgen; fi
fi
mkdir -p "$out_dir"

if [[ "$tool" == aiperf ]]; then
  command -v aiperf >/dev/null || { echo "perf.sh: aiperf is not on PATH" >&2; exit 1; }
  set -x
  exec aiperf profile \
    --model "$model" \
    --tokenizer "$model" \
    --endpoint-type chat \
    --endpoint /v1/chat/completions \
    --streaming \
    --url "$url" \
    --synthetic-input-tokens-mean "$isl" \
    --synthetic-input-tokens-stddev 0 \
    --output-tokens-mean "$osl" \
    --output-tokens-stddev 0 \
    --extra-inputs "max_tokens:$osl" \
    --extra-inputs "min_tokens:$osl" \
    --extra-inputs ignore_eos:true \
    --concurrency "$concurrency" \
    --request-count "$requests" \
    --num-dataset-entries "$unique" \
    --random-seed "$seed" \
    --artifact-dir "$out_dir/aiperf${label:+-$label}" \
    "${extra[@]}"
fi

jar="$root/perf/target/perf.jar"
if [[ ! -f "$jar" ]] || [[ -n "$(find "$root/perf/src/main" "$root/kv-common/src/main" -newer "$jar" -type f -print -quit)" ]]; then
  echo "perf.sh: building the load generator ..." >&2
  (cd "$root" && mvn -B -ntp -q -DskipTests -pl perf -am package)
fi
args=(synthetic --url "$url" --model "$model" --api chat --isl "$isl" --osl "$osl" --concurrency "$concurrency"
  --requests "$requests" --unique-prompts "$unique" --seed "$seed" --out-dir "$out_dir")
[[ -n "$label" ]] && args+=(--label "$label" --name "$label")
# shellcheck disable=SC2086
exec java ${KVROUTE_LOADGEN_JAVA_OPTS:--Xmx1g -XX:+UseSerialGC} -jar "$jar" "${args[@]}" "${extra[@]}"
