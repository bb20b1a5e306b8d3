#!/usr/bin/env bash
# One streamed chat completion against the api-gateway (as the reference's ping.sh): prints the SSE lines as they
# arrive, or with --text only the streamed answer text.
#
#   deploy/ping.sh [--url http://127.0.0.1:8000] [--model M] [--prompt TEXT] [--max-tokens N] [--text]
set -euo pipefail

url="${KVROUTE_GATEWAY_URL:-http://127.0.0.1:8000}"
model="Qwen/Qwen2.5-0.5B-Instruct"
prompt="Hello! What is a KV cache?"
max_tokens=64
text=0
api_key="${KVROUTE_API_KEY:-}"

while (($#)); do
  case "$1" in
    --url) url="$2"; shift 2 ;;
    --model) model="$2"; shift 2 ;;
    --prompt) prompt="$2"; shift 2 ;;
    --max-tokens) max_tokens="$2"; shift 2 ;;
    --api-key) api_key="$2"; shift 2 ;;
    --text) text=1; shift ;;
    -h|--help)
      echo "Usage: deploy/ping.sh [--url $url] [--model M] [--prompt TEXT] [--max-tokens N] [--api-key K] [--text]"
      echo "Env: KVROUTE_GATEWAY_URL, KVROUTE_API_KEY."
      exit 0 ;;
    *) echo "ping: unknown option '$1'" >&2; exit 2 ;;
  esac
done

json_escape() {
  local s="$1"
  s="${s//\\/\\\\}"; s="${s//\"/\\\"}"; s="${s//$'\n'/\\n}"; s="${s//$'\t'/\\t}"; s="${s//$'\r'/\\r}"
  printf '%s' "$s"
}

body=$(printf '{"model":"%s","messages":[{"role":"user","content":"%s"}],"max_tokens":%s,"stream":true,"stream_options":{"include_usage":true}}' \
  "$(json_escape "$model")" "$(json_escape "$prompt")" "$max_tokens")

headers=(-H 'Content-Type: application/json' -H 'Accept: text/event-stream')
[[ -n "$api_key" ]] && headers+=(-H "Authorization: Bearer $api_key")

if ((text == 0)); then
  exec curl -sS -N --fail-with-body "${headers[@]}" -d "$body" "$url/v1/chat/completions"
fi

# --text: a small SSE parse without jq: take each `data:` line, pull out the delta's "content" string and unescape
# it (\n, \t, \", \\, \uXXXX) before printing it at once.
status=0
worker=""
while IFS= read -r line; do
  line="${line%$'\r'}"
  case "$line" in
    x-kvroute-worker:*|X-Kvroute-Worker:*) worker="${line#*:}"; worker="${worker# }" ;;
    HTTP/*) code="${line#* }"; code="${code%% *}"; [[ "$code" == 200 ]] || status="$code" ;;
    "data: [DONE]") break ;;
    data:*)
      if ((status != 0)); then echo "$line" >&2; continue; fi
      content=$(printf '%s' "$line" | sed -n 's/.*"content": *"\(\([^"\\]\|\\.\)*\)".*/\1/p')
      if [[ -n "$content" ]]; then
        content="${content//%/%%}"
        # shellcheck disable=SC2059
        printf "$(printf '%s' "$content" | sed 's/\\"/"/g; s/\\\//\//g')"
      fi
      ;;
    \{*) ((status != 0)) && echo "$line" >&2 ;;
  esac
done < <(curl -sS -N -i "${headers[@]}" -d "$body" "$url/v1/chat/completions")
echo
[[ -n "$worker" ]] && echo "(served by $worker)"
if ((status != 0)); then
  echo "ping: the gateway answered HTTP $status" >&2
  exit 1
fi
