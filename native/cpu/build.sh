#!/usr/bin/env bash
# Builds native/cpu into one static library (PIC) that the JavaCPP JNI layer links.
# The library is baseline x86-64; only the ISA files get wider -m flags, and dispatch.cpp picks
# among them at run time.  Incremental: an object is rebuilt only when a source is newer.
# Usage: build.sh OUT_DIR   (env CXX, TN_SANITIZE=address for an ASan build)
set -euo pipefail
src=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build.sh OUT_DIR}
# sanitized objects live apart, so switching TN_SANITIZE on or off never links stale objects
obj="$out/obj${TN_SANITIZE:+-$TN_SANITIZE}"
mkdir -p "$obj"
CXX=${CXX:-g++}
arch=$(uname -m)
base=(-std=c++17 -O3 -fPIC -pthread -Wall -Wextra -Wno-unused-parameter -Wno-uninitialized -Wno-maybe-uninitialized -I"$src/include" -I"$src")
[ "$arch" = x86_64 ] && base+=(-march=x86-64)
[ -n "${TN_SANITIZE:-}" ] && base+=(-fsanitize="$TN_SANITIZE" -fno-omit-frame-pointer -O1)
declare -A isa_flags=(
  [kernels_avx2]="-mavx2 -mfma -mf16c"
  [kernels_avx2_panel]="-mavx2 -mfma -mf16c"
  [kernels_avx512]="-mavx512f -mavx512bw -mavx512vl -mavx2 -mfma -mf16c"
  [kernels_i8_avx2]="-mavx2 -mfma -mf16c"
  [kernels_i8_avx512]="-mavx512f -mavx512bw -mavx512vl -mavx2 -mfma -mf16c"
  [kernels_avx512_panel]="-mavx512f -mavx512bw -mavx512vl -mavx2 -mfma -mf16c"
  [kernels_avx512bf16]="-mavx512f -mavx512bw -mavx512vl -mavx512bf16 -mavx2 -mfma"
  [kernels_vnni]="-mavx512f -mavx512vnni -mavxvnni -mavx2 -mfma"
  [kernels_i8_avx512vnni]="-mavx512f -mavx512bw -mavx512vl -mavx512vnni -mavx2 -mfma"
)
objs=()
for f in "$src"/*.cpp; do
  name=$(basename "$f" .cpp)
  if [ "$arch" != x86_64 ] && [ -n "${isa_flags[$name]:-}" ]; then continue; fi
  o="$obj/$name.o"
  objs+=("$o")
  if [ ! -f "$o" ] || [ "$f" -nt "$o" ] || [ -n "$(find "$src" \( -name '*.h' -o -name '*.inc' \) -newer "$o" | head -1)" ]; then
    # shellcheck disable=SC2086
    "$CXX" "${base[@]}" ${isa_flags[$name]:-} -c "$f" -o "$o"
  fi
done
rm -f "$out/libtramontane_cpu.a"
ar rcs "$out/libtramontane_cpu.a" "${objs[@]}"
