#!/usr/bin/env bash
# Runs a module's JMH benchmarks (src/jmh/java): perf/jmh.sh <module> [JMH args, e.g. 'Hashing' -f 1 -wi 3 -i 5]
set -euo pipefail
cd "$(dirname "$0")/.."
module="$1"; shift
mvn -B -ntp -q -DskipTests -pl "$module" -am install
mvn -B -ntp -q -Pjmh -pl "$module" test-compile exec:exec -Djmh.args="$*"
