#!/usr/bin/env bash
# CI's fuzzing smoke run: every Jazzer target (tests/org/tramontane/fuzz) fuzzed for DURATION, one
# Maven run each (Jazzer fuzzes one @FuzzTest per JVM), over the compiled test classes of the mvn
# verify before it. Prints each target's executions; a finding fails the run and names its input
# (target/fuzz/crash-*), which then becomes a seed and a corpus case with its fix.
# Usage: smoke.sh [DURATION]   (default 30s; Jazzer's syntax: 30s, 5m, 1h)
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-30s}
targets=(
  WeightsFuzzTest#safetensorsHeader WeightsFuzzTest#shardedIndex
  ConfigFuzzTest#configJson ConfigFuzzTest#quantDescription
  TokenizerFuzzTest#tokenizerJson TokenizerFuzzTest#sentencePieceModel
  TorchFuzzTest#torchPickle
  ServeFuzzTest#chatCompletions ServeFuzzTest#completions
)
mkdir -p target/fuzz
summary=()
for t in "${targets[@]}"; do
  log="target/fuzz/${t/\#/.}.log"
  echo "fuzz: $t for $duration"
  if ! mvn -B -Pfuzz surefire:test -Dtest="$t" -Djazzer.max_duration="$duration" >"$log" 2>&1; then
    tail -60 "$log"
    echo "fuzz: $t failed; its log is $log, the input target/fuzz/crash-*" >&2
    exit 1
  fi
  # libFuzzer's closing line: "Done N runs in S second(s)"
  done_line=$(grep -aoE 'Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1 || true)
  if [ -z "$done_line" ]; then
    tail -40 "$log"
    echo "fuzz: $t ran no fuzzing (no libFuzzer summary in $log)" >&2
    exit 1
  fi
  summary+=("$t: ${done_line#Done }s")
done
echo "fuzz: every target clean"
printf '  %s\n' "${summary[@]}"
