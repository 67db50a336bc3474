#!/usr/bin/env bash
# MindIE-style chat test: run_pa.sh [WEIGHT_PATH] [--trust_remote_code | -trust_remote_code] [options]
#
#   WEIGHT_PATH   HF Mixtral checkpoint directory. Without it, the demo preset
#                 configs/mixtral-demo.json runs with dummy (random) weights and the real tokenizer.
#   --trust_remote_code   accepted for MindIE compatibility and ignored: tramontane never loads
#                         code from a model directory.
# Options (each also settable by an environment variable):
#   --input_text TEXT         INPUT_TEXT         default "Who is the CEO of Google?"
#   --max_output_length N     MAX_OUTPUT_LENGTH  default 10
#   --batch_size N            BATCH_SIZE         default 1
#   --base                    IS_CHAT_MODEL=false  encode the text with BOS instead of the chat template
#   --dtype fp32|bf16|fp16    DTYPE              default: the checkpoint's torch_dtype
#   --backend cpu|ascend|ascend-sim  BACKEND     default: ascend where the CANN environment is set
#                                                (ASCEND_TOOLKIT_HOME, from set_env.sh), else cpu
# World size: --world_size N, else the number of devices in ASCEND_RT_VISIBLE_DEVICES, else 1.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
jar="$here/target/tramontane.jar"

weights=""
input_text=${INPUT_TEXT:-"Who is the CEO of Google?"}
max_output_length=${MAX_OUTPUT_LENGTH:-10}
batch_size=${BATCH_SIZE:-1}
is_chat=${IS_CHAT_MODEL:-true}
dtype=${DTYPE:-}
backend=${BACKEND:-}
world_size=""
if [ -n "${ASCEND_RT_VISIBLE_DEVICES:-}" ]; then
  IFS=',' read -r -a devices <<< "$ASCEND_RT_VISIBLE_DEVICES"
  world_size=${#devices[@]}
fi

# an option given last without its value is a usage error, not bash's "unbound variable"
need_value() {
  if [ "$1" -lt 2 ]; then echo "run_pa.sh: $2 needs a value (see run_pa.sh --help)" >&2; exit 2; fi
}

while [ $# -gt 0 ]; do
  case "$1" in
    --input_text|--max_output_length|--batch_size|--dtype|--world_size|--backend) need_value $# "$1" ;;&
    --trust_remote_code|-trust_remote_code) shift ;;
    --input_text) input_text=$2; shift 2 ;;
    --max_output_length) max_output_length=$2; shift 2 ;;
    --batch_size) batch_size=$2; shift 2 ;;
    --base) is_chat=false; shift ;;
    --dtype) dtype=$2; shift 2 ;;
    --world_size) world_size=$2; shift 2 ;;
    --backend) backend=$2; shift 2 ;;
    -h|--help) awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"; exit 0 ;;
    -*) echo "run_pa.sh: unknown option $1 (see run_pa.sh --help)" >&2; exit 2 ;;
    *)
      if [ -n "$weights" ]; then echo "run_pa.sh: more than one WEIGHT_PATH ($weights, $1)" >&2; exit 2; fi
      weights=$1; shift ;;
  esac
done

if [ ! -f "$jar" ]; then
  echo "run_pa.sh: building $jar (first run)..." >&2
  (cd "$here" && mvn -B -q package -DskipTests) >&2
fi

args=(run-pa --input-text "$input_text" --max-output-length "$max_output_length" --batch-size "$batch_size")
if [ -n "$weights" ]; then
  args+=(--model "$weights")
else
  echo "run_pa.sh: no WEIGHT_PATH given: running the demo preset configs/mixtral-demo.json with dummy weights" >&2
  args+=(--config "$here/configs/mixtral-demo.json" --load-format dummy)
fi
[ "$is_chat" = false ] && args+=(--base)
[ -n "$dtype" ] && args+=(--dtype "$dtype")
# MindIE's run_pa.sh runs on the NPUs once set_env.sh is sourced; so do we (never silently on the CPU there)
if [ -z "$backend" ] && [ -n "${ASCEND_TOOLKIT_HOME:-}" ]; then
  backend=ascend
  echo "run_pa.sh: ASCEND_TOOLKIT_HOME is set: running on the NPUs (--backend ascend; BACKEND=cpu to override)" >&2
fi
[ -n "$backend" ] && args+=(--backend "$backend")
if [ -n "$world_size" ] && [ "$world_size" != 1 ]; then args+=(--world-size "$world_size"); fi
exec java -jar "$jar" "${args[@]}"
