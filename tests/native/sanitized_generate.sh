#!/usr/bin/env bash
# generate end to end through a jar whose native code is built with ASan + UBSan (mvn -Psanitize): each
# fixture's stored dtype (F32, BF16, F16 sharded with a sliding window, W8A8), tensor parallelism, an int8
# KV cache, every ISA level this CPU runs, and the ascend facade over its simulator (fp16, bf16, W8A8, HCCL at
# world size 2). The environment preloads the ASan runtime (LD_PRELOAD) and sets ASAN_OPTIONS /
# UBSAN_OPTIONS with halt_on_error, so a report ends the run and fails the build.
# Usage: sanitized_generate.sh JAR FIXTURES_DIR
set -euo pipefail
jar=${1:?usage: sanitized_generate.sh JAR FIXTURES_DIR}
fixtures=${2:?usage: sanitized_generate.sh JAR FIXTURES_DIR}
[ -n "${LD_PRELOAD:-}" ] && [ -f "${LD_PRELOAD%% *}" ] || { echo "LD_PRELOAD must name the ASan runtime first (gcc -print-file-name=libasan.so)" >&2; exit 1; }
if [ ! -d "$fixtures" ]; then
  echo "sanitized generate: fixtures folder $fixtures is absent: skipping"
  exit 0
fi
prompt="The mistral blows from the north"
runs=0
gen() {  # gen ISA FIXTURE ARGS...
  local isa=$1 fixture=$2
  shift 2
  local t0=$SECONDS
  echo "sanitized generate: $fixture ($isa) $*"
  java -Dtramontane.cpu.isa="$isa" -jar "$jar" generate --model "$fixtures/$fixture" --input-text "$prompt" \
    --max-output-length 6 "$@"
  echo "sanitized generate: $((SECONDS - t0)) s"
  runs=$((runs + 1))
}
levels=(scalar)
grep -qw avx2 /proc/cpuinfo && levels+=(avx2)
grep -qw avx512f /proc/cpuinfo && levels+=(avx512)
grep -qw asimd /proc/cpuinfo && levels+=(neon)
for isa in "${levels[@]}"; do
  gen "$isa" tiny-mixtral
  gen "$isa" tiny-mixtral-w8a8
done
best=${levels[-1]}
gen "$best" tiny-mixtral-bf16 --dtype bf16
gen "$best" tiny-mixtral-swa --dtype fp16
gen "$best" tiny-mixtral-8h --world-size 2
gen "$best" tiny-mixtral --kv-cache-dtype int8 --block-size 16
# the ascend facade and simulator (built sanitized too): fp16 and bf16 as the NPU computes, W8A8, HCCL at world size 2
gen "$best" tiny-mixtral --backend ascend-sim --dtype fp16
gen "$best" tiny-mixtral-w8a8 --backend ascend-sim --dtype fp16
gen "$best" tiny-mixtral-8h --backend ascend-sim --dtype bf16 --world-size 2
echo "sanitized generate: $runs runs clean"
