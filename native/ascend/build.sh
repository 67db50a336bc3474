#!/usr/bin/env bash
# Builds the ascend facade and what it links into static libraries for the JavaCPP JNI layer:
#   libtramontane_ascend.a          the facade (native/ascend/facade), compiled against either the
#                                   declarations in native/ascend/include (simulator) or the CANN headers
#   libtramontane_ascend_runtime.a  the simulator (native/ascend/sim) -- or, with CANN, a GNU ld linker
#                                   script naming the real libraries (INPUT(-latb -lascendcl ...)), so the
#                                   JNI link line is the same in both builds and nothing of CANN is bundled.
# With a fourth argument `probes` it builds only libtramontane_ascend_probes.a (native/ascend/probes), the
# tests' misuse probes, which the tests' own JNI library links beside the facade's.
# Usage: build.sh OUT_DIR CPU_LIB_DIR [sim|cann] [probes]   (env CXX; TN_SANITIZE=address,undefined for a
#        sanitized build, mvn -Psanitize; cann needs ASCEND_TOOLKIT_HOME and ATB_HOME_PATH;
#        ATB's cxx_abi_N is read from ATB_HOME_PATH and passed as -D_GLIBCXX_USE_CXX11_ABI=N, and the
#        CANN release (cann-version.sh, or $TRAMONTANE_CANN_VERSION) as -DTRAMONTANE_CANN_VERSION=
#        major * 10000 + minor * 100; OUT_DIR/cann-version records the release built against)
set -euo pipefail
src=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build.sh OUT_DIR CPU_LIB_DIR [sim|cann] [probes]}
cpu_inc="$src/../cpu/include"
mode=${3:-sim}
what=${4:-library}
# sanitized objects live apart, so switching TN_SANITIZE on or off never links stale objects
obj="$out/obj${TN_SANITIZE:+-$TN_SANITIZE}"
mkdir -p "$obj"
CXX=${CXX:-g++}
base=(-std=c++17 -O2 -fPIC -pthread -Wall -Wextra -Wno-unused-parameter -I"$src/facade" -I"$cpu_inc")
[ "$("$CXX" -dumpmachine | cut -d- -f1)" = x86_64 ] && base+=(-march=x86-64)  # the target: the compiler's
# every UBSan report is fatal, as ASan's are (native/cpu/build.sh's flags)
[ -n "${TN_SANITIZE:-}" ] && base+=(-fsanitize="$TN_SANITIZE" -fno-sanitize-recover=undefined -fno-omit-frame-pointer -O1)
build() {  # build OBJ SRC FLAGS...
  local o=$1 s=$2; shift 2
  if [ ! -f "$o" ] || [ "$s" -nt "$o" ] || [ -n "$(find "$src" -name '*.h' -newer "$o" | head -1)" ] || [ "$0" -nt "$o" ]; then
    "$CXX" "${base[@]}" "$@" -c "$s" -o "$o"
  fi
}
archive() {  # archive LIB TAG DIR FLAGS...: every DIR/*.cpp compiled as obj/TAG_<name>.o into LIB
  local lib=$1 tag=$2 dir=$3 objs=() f o
  shift 3
  for f in "$src/$dir"/*.cpp; do
    o="$obj/${tag}_$(basename "$f" .cpp).o"
    build "$o" "$f" "$@"
    objs+=("$o")
  done
  rm -f "$out/$lib" && ar rcs "$out/$lib" "${objs[@]}"
}
if [ "$mode" = sim ]; then
  # the simulator imitates CANN 8.5.0's declarations (the conformance test probes the older ones)
  version=8.5.0
  flags=(-I"$src/include" -DTRAMONTANE_ASCEND_SIM)
else
  : "${ASCEND_TOOLKIT_HOME:?source /usr/local/Ascend/ascend-toolkit/set_env.sh first}"
  : "${ATB_HOME_PATH:?source /usr/local/Ascend/nnal/atb/set_env.sh --cxx_abi=1 first}"
  abi=1
  case "$ATB_HOME_PATH" in *cxx_abi_0*) abi=0 ;; esac
  version=${TRAMONTANE_CANN_VERSION:-$("$src/cann-version.sh" atb)}
  flags=(-I"$ASCEND_TOOLKIT_HOME/include")
  # the aclnnop/ operator headers live with the operator package in some installs
  opapi="$ASCEND_TOOLKIT_HOME/opp/built-in/op_impl/ai_core/tbe/op_api/include"
  [ -d "$ASCEND_TOOLKIT_HOME/include/aclnnop" ] || [ ! -d "$opapi/aclnnop" ] || flags+=(-I"$opapi")
  flags+=(-I"$ATB_HOME_PATH/include" "-D_GLIBCXX_USE_CXX11_ABI=$abi")
fi
case "$version" in
  8.1.RC1 | 8.2.RC1 | 8.3.RC1 | 8.5.0) ;;
  8.[1-9]* | 9.*) echo "native/ascend/build.sh: CANN $version is not a release whose declarations tramontane checks" \
    "(8.1.RC1, 8.2.RC1, 8.3.RC1, 8.5.0); building with its minor version's shapes" >&2 ;;
  *) echo "native/ascend/build.sh: CANN '$version' is not supported (8.1.RC1, 8.2.RC1, 8.3.RC1, 8.5.0;" \
    "TRAMONTANE_CANN_VERSION=<release> overrides the version read from the toolkit)" >&2; exit 1 ;;
esac
major=${version%%.*}
minor=${version#*.}
minor=${minor%%.*}
macro=$((major * 10000 + minor * 100))
flags+=("-DTRAMONTANE_CANN_VERSION=$macro")
printf '%s\n' "$version" > "$out/cann-version"
if [ "$what" = probes ]; then
  archive libtramontane_ascend_probes.a "probes_${mode}_$macro" probes "${flags[@]}"
  exit 0
fi
archive libtramontane_ascend.a "facade_${mode}_$macro" facade "${flags[@]}"
if [ "$mode" = sim ]; then
  archive libtramontane_ascend_runtime.a "sim_$macro" sim "${flags[@]}" -I"$src/sim"
else
  printf 'INPUT(-latb -lopapi -lnnopbase -lascendcl -lhccl)\n' > "$out/libtramontane_ascend_runtime.a"
fi
