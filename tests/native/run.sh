#!/usr/bin/env bash
# Native kernel tests that need no JVM: the AVX512-BF16 panel kernel over a scalar model of its
# intrinsics (panel_bf16dp_test.cpp), linked against the kernel library mvn built.
# Usage: run.sh LIB_DIR (holding libtramontane_cpu.a)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src="$here/../../native/cpu"
lib=${1:?usage: run.sh LIB_DIR}
out="$lib/native-tests"
mkdir -p "$out"
CXX=${CXX:-g++}
flags=(-std=c++17 -O1 -pthread -I"$src" -I"$src/include" -I"$here")
# The kernel file over the model: its object comes before the library, so the archive's real
# (AVX512-BF16) copy of the same functions is never pulled in.
"$CXX" "${flags[@]}" -Wno-psabi -DTN_AVX512_MODEL='"avx512_model.h"' -c "$src/kernels_avx512bf16.cpp" \
  -o "$out/kernels_avx512bf16_model.o"
"$CXX" "${flags[@]}" -c "$here/panel_bf16dp_test.cpp" -o "$out/panel_bf16dp_test.o"
"$CXX" -pthread "$out/panel_bf16dp_test.o" "$out/kernels_avx512bf16_model.o" "$lib/libtramontane_cpu.a" \
  -o "$out/panel_bf16dp_test"
"$out/panel_bf16dp_test"
