#!/usr/bin/env bash
# Runs the whole kvroute system on this machine with simulated TensorRT-LLM engines:
# N worker-agents (--engine sim), one router-service and one api-gateway on the reference ports, then sends one
# streamed chat completion and prints the answer as it streams. Keeps running until Ctrl-C (which stops every
# process it started) unless --demo-only is given. Builds the jars first when they are missing or stale.
#
#   deploy/run-local.sh [--workers 2] [--policy kv] [--speedup 1.0] [--num-blocks 16384] [--demo-only]
#
# Run with --help for every flag.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

workers=2
policy=kv
speedup=1.0
num_blocks=16384
block_size=32
max_batch_size=""
model="Qwen/Qwen2.5-0.5B-Instruct"
port_offset=0
demo=1
demo_only=0
log_dir="$root/run/logs"
ready_timeout=300
static_workers=0
build=auto
build_only=0
java_opts="${KVROUTE_JAVA_OPTS:--Xms64m -Xmx768m -XX:+UseSerialGC -XX:TieredStopAtLevel=1}"
agent_args=()
router_args=()
gateway_args=()
prompt="In two sentences, what is a KV cache?"

usage() {
  cat <<EOF
Usage: deploy/run-local.sh [options]

Starts N simulated workers, the router and the gateway, prints the endpoints, streams one chat completion,
then runs until Ctrl-C.

Options:
  --workers N            number of worker-agents with simulated engines (default $workers)
  --policy P             router policy: kv|seed|round_robin|random|least_loaded (default $policy)
  --speedup X            simulated engine speed-up factor (default $speedup)
  --num-blocks N         KV cache capacity of each simulated engine, in blocks (default $num_blocks)
  --block-size N         tokens per KV block, the same for every service (default $block_size)
  --max-batch-size N     simulated engine batch size (default: the agent's own default)
  --model NAME           served model name (default $model)
  --port-offset K        add K to every port (gateway 8000+K, router 7000+K, agent i 8100+K+i,
                         ZMQ 5557+K+i / 5657+K+i); lets two stacks share a machine (default 0)
  --static-workers       also list the workers on the router's command line (--worker ...) instead of
                         relying on registration only
  --log-dir DIR          where the logs go (default run/logs)
  --ready-timeout SEC    how long to wait for every /ready (default $ready_timeout)
  --prompt TEXT          the demo question
  --no-demo              skip the streamed demo request
  --demo-only            exit (stopping everything) after the demo
  --build / --no-build   always rebuild / never build (default: build when a jar is missing or older than sources)
  --build-only           build when needed, then exit
  --agent-arg ARG        extra argument for every worker-agent (repeatable)
  --router-arg ARG       extra argument for the router-service (repeatable)
  --gateway-arg ARG      extra argument for the api-gateway (repeatable)
  -h, --help             this help

Environment: KVROUTE_JAVA_OPTS (JVM options for every service, default "$java_opts").
EOF
}

while (($#)); do
  case "$1" in
    --workers) workers="$2"; shift 2 ;;
    --policy) policy="$2"; shift 2 ;;
    --speedup) speedup="$2"; shift 2 ;;
    --num-blocks) num_blocks="$2"; shift 2 ;;
    --block-size) block_size="$2"; shift 2 ;;
    --max-batch-size) max_batch_size="$2"; shift 2 ;;
    --model) model="$2"; shift 2 ;;
    --port-offset|--base-port-offset) port_offset="$2"; shift 2 ;;
    --static-workers) static_workers=1; shift ;;
    --log-dir) log_dir="$2"; shift 2 ;;
    --ready-timeout) ready_timeout="$2"; shift 2 ;;
    --prompt) prompt="$2"; shift 2 ;;
    --no-demo) demo=0; shift ;;
    --demo-only) demo_only=1; shift ;;
    --build) build=always; shift ;;
    --no-build) build=never; shift ;;
    --build-only) build_only=1; shift ;;
    --agent-arg) agent_args+=("$2"); shift 2 ;;
    --router-arg) router_args+=("$2"); shift 2 ;;
    --gateway-arg) gateway_args+=("$2"); shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run-local: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done

for n in workers num_blocks block_size port_offset ready_timeout; do
  [[ "${!n}" =~ ^[0-9]+$ ]] || { echo "run-local: --${n//_/-} must be a non-negative integer" >&2; exit 2; }
done
((workers >= 1)) || { echo "run-local: --workers must be at least 1" >&2; exit 2; }

gateway_port=$((8000 + port_offset))
router_port=$((7000 + port_offset))
agent_port() { echo $((8100 + port_offset + $1)); }
events_port() { echo $((5557 + port_offset + $1)); }
metrics_port() { echo $((5657 + port_offset + $1)); }

modules=(worker-agent router-service api-gateway)
jar() { echo "$root/$1/target/$1.jar"; }

# --- build -------------------------------------------------------------------------------------------------------
needs_build() {
  local m j
  for m in "${modules[@]}"; do
    j="$(jar "$m")"
    [[ -f "$j" ]] || return 0
    # A source or pom newer than the jar (its own module or kv-common) means the jar is stale.
    if [[ -n "$(find "$root/$m/src" "$root/$m/pom.xml" "$root/kv-common/src" "$root/kv-common/pom.xml" \
      "$root/pom.xml" -newer "$j" -type f -print -quit 2>/dev/null)" ]]; then
      return 0
    fi
  done
  return 1
}

case "$build" in
  always) do_build=1 ;;
  never) do_build=0 ;;
  *) if needs_build; then do_build=1; else do_build=0; fi ;;
esac
if ((do_build)); then
  for tool in java mvn; do
    command -v "$tool" >/dev/null || { echo "run-local: '$tool' is required (JDK 17 and Maven)" >&2; exit 1; }
  done
  echo "run-local: building the services (mvn -B -ntp -DskipTests package) ..."
  (cd "$root" && mvn -B -ntp -q -DskipTests -pl worker-agent,router-service,api-gateway -am package)
fi
for m in "${modules[@]}"; do
  [[ -f "$(jar "$m")" ]] || { echo "run-local: $(jar "$m") is missing after the build" >&2; exit 1; }
done
((build_only)) && exit 0

# --- processes -----------------------------------------------------------------------------------------------------
mkdir -p "$log_dir"
pids=()
names=()
stopping=0

stop_all() {
  ((stopping)) && return
  stopping=1
  local i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[$i]}" 2>/dev/null || true
  done
  for ((i = 0; i < 50; i++)); do
    local alive=0 p
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  ((${#pids[@]})) && echo "run-local: stopped ${#pids[@]} processes"
  return 0
}
trap 'stop_all' EXIT
trap 'echo; exit 130' INT
trap 'exit 143' TERM

start() { # name log args...
  local name="$1" log="$2"; shift 2
  # shellcheck disable=SC2086
  java $java_opts "$@" >"$log" 2>&1 &
  pids+=("$!")
  names+=("$name")
  echo "run-local: started $name (pid $!, log $log)"
}

router_url="http://127.0.0.1:$router_port"

router_cmd=(-jar "$(jar router-service)" --router-port "$router_port" --block-size "$block_size" --policy "$policy"
  --host 127.0.0.1)
if ((static_workers)); then
  for ((i = 0; i < workers; i++)); do
    router_cmd+=(--worker "id=worker-$i,events=tcp://127.0.0.1:$(events_port $i),metrics=tcp://127.0.0.1:$(metrics_port $i),url=http://127.0.0.1:$(agent_port $i)")
  done
fi
start router "$log_dir/router.log" "${router_cmd[@]}" "${router_args[@]}"

for ((i = 0; i < workers; i++)); do
  agent_cmd=(-jar "$(jar worker-agent)" --worker-index "$i" --worker-id "worker-$i" --engine sim
    --http-port "$(agent_port $i)" --kv-events-port "$(events_port $i)" --metrics-port "$(metrics_port $i)"
    --block-size "$block_size" --model "$model" --router-url "$router_url" --advertise-host 127.0.0.1
    --num-blocks "$num_blocks" --speedup "$speedup")
  [[ -n "$max_batch_size" ]] && agent_cmd+=(--max-batch-size "$max_batch_size")
  start "agent-$i" "$log_dir/agent-$i.log" "${agent_cmd[@]}" "${agent_args[@]}"
done

start gateway "$log_dir/gateway.log" -jar "$(jar api-gateway)" --http-port "$gateway_port" \
  --router-url "$router_url" --block-size "$block_size" --model "$model" "${gateway_args[@]}"

wait_ready() { # name pid url
  local name="$1" pid="$2" url="$3" deadline=$((SECONDS + ready_timeout))
  while ! curl -sf -o /dev/null --max-time 2 "$url"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "run-local: $name exited before it was ready; last lines of its log:" >&2
      tail -n 20 "$log_dir/$name.log" >&2 || true
      exit 1
    fi
    if ((SECONDS >= deadline)); then
      echo "run-local: $name not ready at $url after ${ready_timeout}s; last lines of its log:" >&2
      tail -n 20 "$log_dir/$name.log" >&2 || true
      exit 1
    fi
    sleep 0.3
  done
}

wait_ready router "${pids[0]}" "$router_url/ready"
for ((i = 0; i < workers; i++)); do
  wait_ready "agent-$i" "${pids[$((i + 1))]}" "http://127.0.0.1:$(agent_port $i)/ready"
done
wait_ready gateway "${pids[$((workers + 1))]}" "http://127.0.0.1:$gateway_port/ready"

echo
echo "kvroute is up (policy $policy, $workers simulated workers, block size $block_size):"
echo "  OpenAI API    http://127.0.0.1:$gateway_port/v1/chat/completions   (models: /v1/models)"
echo "  router        $router_url   (workers: /v1/workers, metrics: /metrics)"
for ((i = 0; i < workers; i++)); do
  echo "  worker-$i      http://127.0.0.1:$(agent_port $i)   kv events tcp://127.0.0.1:$(events_port $i)   metrics tcp://127.0.0.1:$(metrics_port $i)"
done
echo "  logs          $log_dir/{router,gateway,agent-<i>}.log"
echo

if ((demo)); then
  echo "run-local: streaming one chat completion: \"$prompt\""
  echo
  "$root/deploy/ping.sh" --url "http://127.0.0.1:$gateway_port" --model "$model" --prompt "$prompt" --text
  echo
fi

if ((demo_only)); then
  exit 0
fi
echo "run-local: running; press Ctrl-C to stop everything."
while :; do
  for idx in "${!pids[@]}"; do
    if ! kill -0 "${pids[$idx]}" 2>/dev/null; then
      echo "run-local: ${names[$idx]} exited; see $log_dir/${names[$idx]}.log" >&2
      exit 1
    fi
  done
  sleep 1
done
