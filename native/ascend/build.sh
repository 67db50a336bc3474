#!/usr/bin/env bash
# Builds the ascend facade and what it links into static libraries for the JavaCPP JNI layer:
#   libtramontane_ascend.a          the facade (native/ascend/facade), compiled against either the
#                                   declarations in native/ascend/include (simulator) or the CANN headers
#   libtramontane_ascend_runtime.a  the simulator (native/ascend/sim) -- or, with CANN, a GNU ld linker
#                                   script naming the real libraries (INPUT(-latb -lascendcl ...)), so the
#                                   JNI link line is the same in both builds and nothing of CANN is bundled.
# With a fourth argument `probes` it builds only libtramontane_ascend_probes.a (native/ascend/probes), the
# tests' misuse probes, which the tests' own JNI library links beside the facade's.
# Usage: build.sh OUT_DIR CPU_LIB_DIR [sim|cann] [probes]   (cann needs ASCEND_TOOLKIT_HOME and ATB_HOME_PATH;
#        ATB's cxx_abi_N is read from ATB_HOME_PATH and passed as -D_GLIBCXX_USE_CXX11_ABI=N)
set -euo pipefail
src=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build.sh OUT_DIR CPU_LIB_DIR [sim|cann] [probes]}
cpu_inc="$src/../cpu/include"
mode=${3:-sim}
what=${4:-library}
mkdir -p "$out/obj"
CXX=${CXX:-g++}
base=(-std=c++17 -O2 -fPIC -pthread -Wall -Wextra -Wno-unused-parameter -I"$src/facade" -I"$cpu_inc")
[ "$("$CXX" -dumpmachine | cut -d- -f1)" = x86_64 ] && base+=(-march=x86-64)  # the target: the compiler's
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
    o="$out/obj/${tag}_$(basename "$f" .cpp).o"
    build "$o" "$f" "$@"
    objs+=("$o")
  done
  rm -f "$out/$lib" && ar rcs "$out/$lib" "${objs[@]}"
}
if [ "$mode" = sim ]; then
  flags=(-I"$src/include" -DTRAMONTANE_ASCEND_SIM)
else
  : "${ASCEND_TOOLKIT_HOME:?source /usr/local/Ascend/ascend-toolkit/set_env.sh first}"
  : "${ATB_HOME_PATH:?source /usr/local/Ascend/nnal/atb/set_env.sh first}"
  abi=1
  case "$ATB_HOME_PATH" in *cxx_abi_0*) abi=0 ;; esac
  flags=(-I"$ASCEND_TOOLKIT_HOME/include" -I"$ATB_HOME_PATH/include" -D_GLIBCXX_USE_CXX11_ABI=$abi)
fi
if [ "$what" = probes ]; then
  archive libtramontane_ascend_probes.a "probes_$mode" probes "${flags[@]}"
  exit 0
fi
archive libtramontane_ascend.a "facade_$mode" facade "${flags[@]}"
if [ "$mode" = sim ]; then
  archive libtramontane_ascend_runtime.a sim sim "${flags[@]}" -I"$src/sim"
else
  printf 'INPUT(-latb -lopapi -lnnopbase -lascendcl -lhccl)\n' > "$out/libtramontane_ascend_runtime.a"
fi
