#!/usr/bin/env bash
# MindIE's modeltest run.sh, tramontane edition: the same command lines write the same files.
#   run.sh pa_fp16|pa_bf16 full_BoolQ|performance [CASE_PAIRS] BATCH mixtral [chat|base] WEIGHTS [trust_remote_code] CHIP_NUM [options]
#   e.g. run.sh pa_fp16 full_BoolQ 1 mixtral /data/Mixtral-8x7B-v0.1 8
#        run.sh pa_fp16 performance [[2048,2048],[1024,1024],[512,512],[256,256]] 1 mixtral /data/Mixtral-8x7B-v0.1 8
# CHIP_NUM is the tensor-parallel world size. Options, anywhere:
#   --dataset-path P   BoolQ .jsonl file or folder (default: every *.jsonl in tests/modeltest/data/boolq)
#   --output-dir D     root of outputs/ and benchmark.csv (default: tests/modeltest, where MindIE writes)
#   --dtype fp32|bf16|fp16   overrides what pa_fp16/pa_bf16 select
#   --kv-cache-dtype auto|bf16|fp16|int8   what the KV cache stores (default auto: the compute dtype)
#   --max-num-batched-tokens N   tokens one engine step computes at most; longer prefills run in chunks (default 2048)
#   --backend cpu|ascend|ascend-sim (default: ascend where CANN's set_env.sh set ASCEND_TOOLKIT_HOME, else cpu)
#   --threads N
#   --load-format dummy      random weights; WEIGHTS is then a preset such as configs/mixtral-mini.json
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
jar="$root/target/tramontane.jar"

case "${1:-}" in
  -h|--help) awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"; exit 0 ;;
esac

# MindIE's defaults are folders beside this script; the jar's are relative to the current directory.
has_output=false; has_dataset=false; boolq=false; has_backend=false
for a in "$@"; do
  case "$a" in
    --output-dir|--output-dir=*) has_output=true ;;
    --dataset-path|--dataset-path=*) has_dataset=true ;;
    full_BoolQ) boolq=true ;;
    --backend|--backend=*) has_backend=true ;;
  esac
done

if [ ! -f "$jar" ]; then
  echo "run.sh: building $jar (first run)..." >&2
  (cd "$root" && mvn -B -q package -DskipTests) >&2
fi

args=(modeltest "$@")
$has_output || args+=(--output-dir "$here")
if $boolq && ! $has_dataset; then args+=(--dataset-path "$here/data/boolq"); fi
# MindIE's run.sh runs on the NPUs once set_env.sh is sourced; so do we (never silently on the CPU there)
if ! $has_backend && [ -n "${ASCEND_TOOLKIT_HOME:-}" ]; then
  echo "run.sh: ASCEND_TOOLKIT_HOME is set: running on the NPUs (--backend ascend; pass --backend cpu to override)" >&2
  args+=(--backend ascend)
fi
exec java -jar "$jar" "${args[@]}"
