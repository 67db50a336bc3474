#!/usr/bin/env bash
# Builds the ascend facade and what it links into static libraries for the JavaCPP JNI layer:
#   libtramontane_ascend.a          the facade (native/ascend/facade), compiled against either the
#                                   declarations in native/ascend/include (simulator) or the CANN headers
#   libtramontane_ascend_runtime.a  the simulator (native/ascend/sim) -- or, with CANN, a GNU ld linker
#                                   script naming the real libraries (INPUT(-latb -lascendcl ...)), so the
#                                   JNI link line is the same in both builds and nothing of CANN is bundled.
# Usage: build.sh OUT_DIR CPU_LIB_DIR [sim|cann]   (cann needs ASCEND_TOOLKIT_HOME and ATB_HOME_PATH;
#        ATB's cxx_abi_N is read from ATB_HOME_PATH and passed as -D_GLIBCXX_USE_CXX11_ABI=N)
set -euo pipefail
src=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build.sh OUT_DIR CPU_LIB_DIR [sim|cann]}
cpu_inc="$src/../cpu/include"
mode=${3:-sim}
mkdir -p "$out/obj"
CXX=${CXX:-g++}
base=(-std=c++17 -O2 -fPIC -pthread -Wall -Wextra -Wno-unused-parameter -I"$src/facade" -I"$cpu_inc")
[ "$(uname -m)" = x86_64 ] && base+=(-march=x86-64)
build() {  # build OBJ SRC FLAGS...
  local o=$1 s=$2; shift 2
  if [ ! -f "$o" ] || [ "$s" -nt "$o" ] || [ -n "$(find "$src" -name '*.h' -newer "$o" | head -1)" ] || [ "$0" -nt "$o" ]; then
    "$CXX" "${base[@]}" "$@" -c "$s" -o "$o"
  fi
}
if [ "$mode" = sim ]; then
  decl=(-I"$src/include" -DTRAMONTANE_ASCEND_SIM)
  build "$out/obj/facade_sim.o" "$src/facade/facade.cpp" "${decl[@]}"
  build "$out/obj/layout_sim.o" "$src/facade/layout.cpp" "${decl[@]}"
  rm -f "$out/libtramontane_ascend.a" && ar rcs "$out/libtramontane_ascend.a" "$out/obj/facade_sim.o" "$out/obj/layout_sim.o"
  simobjs=()
  for f in "$src"/sim/*.cpp; do
    o="$out/obj/sim_$(basename "$f" .cpp).o"
    build "$o" "$f" "${decl[@]}" -I"$src/sim"
    simobjs+=("$o")
  done
  rm -f "$out/libtramontane_ascend_runtime.a" && ar rcs "$out/libtramontane_ascend_runtime.a" "${simobjs[@]}"
else
  : "${ASCEND_TOOLKIT_HOME:?source /usr/local/Ascend/ascend-toolkit/set_env.sh first}"
  : "${ATB_HOME_PATH:?source /usr/local/Ascend/nnal/atb/set_env.sh first}"
  abi=1
  case "$ATB_HOME_PATH" in *cxx_abi_0*) abi=0 ;; esac
  real=(-I"$ASCEND_TOOLKIT_HOME/include" -I"$ATB_HOME_PATH/include" -D_GLIBCXX_USE_CXX11_ABI=$abi)
  build "$out/obj/facade_cann.o" "$src/facade/facade.cpp" "${real[@]}"
  build "$out/obj/layout_cann.o" "$src/facade/layout.cpp" "${real[@]}"
  rm -f "$out/libtramontane_ascend.a" && ar rcs "$out/libtramontane_ascend.a" "$out/obj/facade_cann.o" "$out/obj/layout_cann.o"
  printf 'INPUT(-latb -lopapi -lnnopbase -lascendcl -lhccl)\n' > "$out/libtramontane_ascend_runtime.a"
fi
