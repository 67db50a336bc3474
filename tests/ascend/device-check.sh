#!/usr/bin/env bash
# The first run of tramontane on an Ascend host (Atlas 800I A2), for whoever has one: builds with
# -Pascend, probes the installed CANN headers against the facts of their release
# (CannConformanceTest), then runs one layer (the tiny fixture's shapes cut to 1 layer, dummy
# weights) and the whole tiny fixture (tiny-mixtral) on the device and on --backend cpu, both at
# --dtype fp16, and requires every logit of the prompt's last position within 0.1 of the cpu's
# (the fixtures README's low-precision tolerance). Prints a short report to paste into an issue: versions, chip, each
# check's result and time. Exit 0 when every check passed.
#
# Usage: tests/ascend/device-check.sh --fixtures DIR [--backend ascend|ascend-sim] [--world-size N]
#                                     [--skip-build] [--skip-conformance] [--jar FILE] [--out DIR] [--dry-run]
#   --fixtures DIR     the test fixtures (DIR/tiny-mixtral); or $TRAMONTANE_FIXTURES
#   --backend          ascend (default) or ascend-sim: the same checks on the CPU simulator, with a
#                      default (non -Pascend) build, so the script itself can be run without a device
#   --world-size N     tensor-parallel ranks for the device runs (default 1; the 800I A2 has 8 NPUs)
#   --dry-run          print the commands and the report skeleton, run nothing
# Run it from the repository after `source .../ascend-toolkit/set_env.sh` and
# `source .../nnal/atb/set_env.sh --cxx_abi=1` (docs/ascend.md).
set -uo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
backend=ascend
fixtures=${TRAMONTANE_FIXTURES:-}
world=1
dry=0
build=1
conformance=1
jar="$repo/target/tramontane.jar"
out=""
tolerance=0.1

usage() { sed -n '10,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --fixtures) fixtures=${2:?--fixtures DIR}; shift 2 ;;
    --backend) backend=${2:?--backend ascend|ascend-sim}; shift 2 ;;
    --world-size) world=${2:?--world-size N}; shift 2 ;;
    --jar) jar=${2:?--jar FILE}; shift 2 ;;
    --out) out=${2:?--out DIR}; shift 2 ;;
    --skip-build) build=0; shift ;;
    --skip-conformance) conformance=0; shift ;;
    --dry-run) dry=1; shift ;;
    -h | --help) usage ;;
    *) echo "device-check.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
case "$backend" in ascend | ascend-sim) ;; *) echo "device-check.sh: --backend is ascend or ascend-sim" >&2; exit 2 ;; esac
case "$world" in [1-8]) ;; *) echo "device-check.sh: --world-size is 1 to 8" >&2; exit 2 ;; esac
if [ -z "$fixtures" ] || [ ! -d "$fixtures/tiny-mixtral" ]; then
  echo "device-check.sh: --fixtures DIR must hold tiny-mixtral/ (or set TRAMONTANE_FIXTURES)" >&2
  exit 2
fi
if [ $dry = 1 ]; then
  out=${out:-${TMPDIR:-/tmp}/tramontane-device-check.XXXXXX}
else
  [ -n "$out" ] || out=$(mktemp -d "${TMPDIR:-/tmp}/tramontane-device-check.XXXXXX")
  mkdir -p "$out"
fi

# --- the environment -------------------------------------------------------------------------
version_of() { "$repo/native/ascend/cann-version.sh" "$1" 2>/dev/null || echo unknown; }
profile=()
if [ "$backend" = ascend ]; then
  profile=(-Pascend)
  if [ -z "${ASCEND_TOOLKIT_HOME:-}" ] || [ -z "${ATB_HOME_PATH:-}" ]; then
    if [ $dry = 0 ]; then
      echo "device-check.sh: source /usr/local/Ascend/ascend-toolkit/set_env.sh and" \
        "/usr/local/Ascend/nnal/atb/set_env.sh --cxx_abi=1 first (or --backend ascend-sim)" >&2
      exit 2
    fi
  fi
  toolkit=$(version_of toolkit)
  atb=$(version_of atb)
  case "${ATB_HOME_PATH:-}" in *cxx_abi_0*) abi=0 ;; *cxx_abi_1*) abi=1 ;; *) abi=unknown ;; esac
  chip=$( (npu-smi info 2>/dev/null || true) | sed -n 's/^| *[0-9][0-9]* *\([0-9A-Za-z]*\) .*/\1/p' | head -1)
  npus=$( (npu-smi info -l 2>/dev/null || true) | sed -n 's/.*Total Count *: *\([0-9]*\).*/\1/p' | head -1)
  chip="${chip:-unknown (npu-smi info gave none)} x ${npus:-?}"
else
  toolkit="none (simulator)"
  atb="none (simulator imitates 8.5.0)"
  abi=$(printf '#include <string>\n_GLIBCXX_USE_CXX11_ABI\n' | "${CXX:-g++}" -x c++ -E -P - 2>/dev/null | tail -1)
  chip="ascend-sim (CPU simulator)"
fi

# --- the checks --------------------------------------------------------------------------------
results=()
failed=0
# check NAME CMD...: runs CMD (or prints it under --dry-run), records PASS/FAIL, the time and the
# last line of its output that says "max |difference|" (the logits comparisons print one).
check() {
  local name=$1 log="$out/${1// /-}.log" start end rc detail
  shift
  if [ $dry = 1 ]; then
    if [ "$1" = pair ]; then  # the device run, the cpu run and the comparison pair() makes
      local at=$2
      shift 2
      printf 'would run (%s): java -jar %q' "$name" "$jar"
      printf ' %q' "$@" --backend "$backend" --world-size "$world" --logits-out "$at.device.npy"
      printf '\n    and the same with --backend cpu, then: python3 .ci/npy_max_diff.py DEVICE.npy CPU.npy %s\n' "$tolerance"
    else
      printf 'would run (%s):' "$name"
      printf ' %q' "$@"
      printf '\n'
    fi
    results+=("$(printf '%-14s %-5s' "$name" "-")")
    return 0
  fi
  echo "== $name: $*" >&2
  start=$(date +%s)
  "$@" > "$log" 2>&1
  rc=$?
  end=$(date +%s)
  detail=$(grep -o 'max |difference| = [^ ]*' "$log" | tail -1)
  if [ $rc = 0 ]; then
    results+=("$(printf '%-14s %-5s %5ss  %s' "$name" PASS $((end - start)) "$detail")")
  else
    failed=1
    results+=("$(printf '%-14s %-5s %5ss  %s (log: %s)' "$name" FAIL $((end - start)) "$detail" "$log")")
    tail -20 "$log" >&2
  fi
  return $rc
}

# pair OUT GENERATE_ARGS...: the same generate on the device and on cpu, then their logits side by side.
# shellcheck disable=SC2317  # called through check's "$@"
pair() {
  local at=$1
  shift
  java -jar "$jar" "$@" --backend "$backend" --world-size "$world" --logits-out "$at.device.npy" &&
    java -jar "$jar" "$@" --backend cpu --world-size "$world" --logits-out "$at.cpu.npy" &&
    python3 "$repo/.ci/npy_max_diff.py" "$at.device.npy" "$at.cpu.npy" "$tolerance"
}

# The golden "sentence" prompt (13 tokens): its router choices are no near-ties, unlike bos_only's,
# where any fp16 rounding may pick either second expert and move the logits by 0.26 on any backend.
ids=$(python3 -c 'import json,sys; print(",".join(map(str, next(p["prompt_ids"] for p in json.load(open(sys.argv[1]))["prompts"] if p["name"] == "sentence"))))' \
  "$fixtures/tiny-mixtral/golden.json" 2>/dev/null) || ids=1,415,2936,9060,285,1142,461,10575,754,272,17898,3914,28723

# compare NAME MODEL_ARGS...: the logits of the prompt's last position (one output token), device vs cpu.
compare() {
  local name=$1
  shift
  check "$name" pair "$out/${name// /-}" generate "$@" --dtype fp16 --input-ids "$ids" --max-output-length 1
}

cd "$repo" || exit 1
if [ $build = 1 ]; then
  check "build" mvn -B "${profile[@]}" package -DskipTests
fi
if [ $conformance = 1 ]; then
  conf=(mvn -B "${profile[@]}" test -Dtest=CannConformanceTest -Dsurefire.failIfNoSpecifiedTests=false)
  if [ "$backend" = ascend ]; then
    opapi="${ASCEND_TOOLKIT_HOME:-}/opp/built-in/op_impl/ai_core/tbe/op_api/include"
    conf+=("-Dascend.cann.headers=${ASCEND_TOOLKIT_HOME:-}/include:$opapi:${ATB_HOME_PATH:-}/include"
      "-Dascend.cann.version=$atb")
  fi
  check "conformance" "${conf[@]}"
fi

# One layer: the tiny fixture's config with num_hidden_layers 1, its tokenizer, dummy weights.
layer="$out/one-layer"
if [ $dry = 0 ]; then
  mkdir -p "$layer"
  cp "$fixtures"/tiny-mixtral/tokenizer*.json "$fixtures"/tiny-mixtral/special_tokens_map.json "$layer"/ 2>/dev/null
  python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); c["num_hidden_layers"]=1; c["tramontane_tokenizer"]="."
json.dump(c,open(sys.argv[2],"w"),indent=1)' "$fixtures/tiny-mixtral/config.json" "$layer/config.json"
fi
compare "one layer" --config "$layer/config.json" --load-format dummy
compare "tiny fixture" --model "$fixtures/tiny-mixtral"

# --- the report ----------------------------------------------------------------------------------
commit=$(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown)
echo
echo "tramontane device check ($commit)$([ $dry = 1 ] && echo ', dry run: nothing was run')"
echo "  backend:  $backend, world size $world, --dtype fp16 vs --backend cpu, tolerance $tolerance"
echo "  host:     $(uname -m), $(uname -sr)"
echo "  CANN:     toolkit $toolkit, ATB $atb, _GLIBCXX_USE_CXX11_ABI=$abi"
echo "  chip:     $chip"
echo "  java:     $(java -version 2>&1 | head -1)"
for r in "${results[@]}"; do echo "  $r"; done
exit $failed
