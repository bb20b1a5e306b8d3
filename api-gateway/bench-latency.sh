#!/usr/bin/env bash
# Gateway+router added latency vs calling an agent directly (not a test). Builds the test classes, then runs
# io.kvroute.gateway.bench.GatewayLatencyBench, which starts a router, two agents with simulated engines and a
# gateway in one JVM on loopback ephemeral ports (--isolate-gateway: router + gateway in a second JVM pinned to the
# last core with taskset, everything else pinned to the other cores). Extra arguments go to the benchmark (--help
# lists them).
# Usage (from the repository root): api-gateway/bench-latency.sh [--concurrency 256 --requests 2048 ...]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -ntp -o -q -pl api-gateway -am test-compile
cp_file="$(mktemp)"
trap 'rm -f "$cp_file"' EXIT
mvn -B -ntp -o -q -pl api-gateway -am dependency:build-classpath -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=test
# This worktree's classes first; drop any io.kvroute jars an earlier `install` left in ~/.m2 (they would be stale).
deps="$(tr ':' '\n' < "$cp_file" | grep -v '/io/kvroute/' | paste -sd: -)"
cp="api-gateway/target/classes:api-gateway/target/test-classes:kv-common/target/classes"
cp="$cp:router-service/target/classes:worker-agent/target/classes:$deps"
# Services log to stdout; keep only the benchmark's own lines (and warnings/errors).
java -Xmx2g ${BENCH_JAVA_OPTS:-} -cp "$cp" io.kvroute.gateway.bench.GatewayLatencyBench "$@" | grep -v ' INFO \|CudaUtils' || true
