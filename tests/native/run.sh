#!/usr/bin/env bash
# Native kernel tests that need no JVM: kernels of ISA extensions the CPU may lack, each compiled
# over a scalar model of its intrinsics (avx512_model.h) and checked against a plain reference,
# linked against the kernel library mvn built.
# Usage: run.sh LIB_DIR (holding libtramontane_cpu.a)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src="$here/../../native/cpu"
lib=${1:?usage: run.sh LIB_DIR}
out="$lib/native-tests"
mkdir -p "$out"
CXX=${CXX:-g++}
flags=(-std=c++17 -O1 -pthread -I"$src" -I"$src/include" -I"$here")
# test source : the kernel file it runs over the model.  The model's object comes before the
# library, so the archive's real copy of the same functions is never pulled in.
for pair in panel_bf16dp_test:kernels_avx512bf16 panel_i8_vnni_test:kernels_i8_avx512vnni \
    panel_zmm_test:kernels_avx512_panel; do
  test=${pair%%:*} kernel=${pair##*:}
  "$CXX" "${flags[@]}" -Wno-psabi -DTN_AVX512_MODEL='"avx512_model.h"' -c "$src/$kernel.cpp" -o "$out/${kernel}_model.o"
  "$CXX" "${flags[@]}" -c "$here/$test.cpp" -o "$out/$test.o"
  "$CXX" -pthread "$out/$test.o" "$out/${kernel}_model.o" "$lib/libtramontane_cpu.a" -o "$out/$test"
  "$out/$test"
done
