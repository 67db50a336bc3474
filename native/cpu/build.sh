#!/usr/bin/env bash
# Builds native/cpu into one static library (PIC) that the JavaCPP JNI layer links.
# The library is built for the target's baseline (x86-64, or Armv8.0-A on aarch64); only the ISA
# files get wider flags, and dispatch.cpp picks among them at run time.  The target is the
# compiler's (CXX=aarch64-linux-gnu-g++ cross-builds the aarch64 library on x86-64); each
# architecture's ISA files are skipped on the other.  Incremental: an object is rebuilt only when
# a source is newer.
# Usage: build.sh OUT_DIR   (env CXX; TN_SANITIZE=address,undefined for a sanitized build, mvn -Psanitize)
set -euo pipefail
src=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build.sh OUT_DIR}
# sanitized objects live apart, so switching TN_SANITIZE on or off never links stale objects
obj="$out/obj${TN_SANITIZE:+-$TN_SANITIZE}"
mkdir -p "$obj"
CXX=${CXX:-g++}
arch=$("$CXX" -dumpmachine)
arch=${arch%%-*}
base=(-std=c++17 -O3 -fPIC -pthread -Wall -Wextra -Wno-unused-parameter -Wno-uninitialized -Wno-maybe-uninitialized -I"$src/include" -I"$src")
# aarch64 compilers fuse a * b + c by default, which x86-64's baseline cannot: off, so the portable
# code (the scalar references, norms, softmax) gives the same bits on both architectures.
case "$arch" in
  x86_64) base+=(-march=x86-64) ;;
  aarch64) base+=(-march=armv8-a -ffp-contract=off) ;;
esac
# every UBSan report is fatal, as ASan's are: a sanitized run that finishes is a clean one
[ -n "${TN_SANITIZE:-}" ] && base+=(-fsanitize="$TN_SANITIZE" -fno-sanitize-recover=undefined -fno-omit-frame-pointer -O1)
declare -A x86_flags=(
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
# NEON is part of Armv8.0-A; the dot-product, BF16 and i8mm files name their extension.
declare -A arm_flags=(
  [kernels_neon]="-march=armv8-a"
  [kernels_neon_i8]="-march=armv8-a"
  [kernels_neon_dot]="-march=armv8.2-a+dotprod"
  [kernels_neon_bf16]="-march=armv8.2-a+bf16"
  [kernels_neon_i8mm]="-march=armv8.2-a+i8mm"
)
objs=()
for f in "$src"/*.cpp; do
  name=$(basename "$f" .cpp)
  flags=
  if [ -n "${x86_flags[$name]:-}" ]; then
    [ "$arch" = x86_64 ] || continue
    flags=${x86_flags[$name]}
  elif [ -n "${arm_flags[$name]:-}" ]; then
    [ "$arch" = aarch64 ] || continue
    flags=${arm_flags[$name]}
  fi
  o="$obj/$name.o"
  objs+=("$o")
  if [ ! -f "$o" ] || [ "$f" -nt "$o" ] || [ -n "$(find "$src" \( -name '*.h' -o -name '*.inc' \) -newer "$o" | head -1)" ]; then
    # shellcheck disable=SC2086
    "$CXX" "${base[@]}" $flags -c "$f" -o "$o"
  fi
done
# the archiver of the compiler's toolchain (aarch64-linux-gnu-ar beside aarch64-linux-gnu-g++)
AR=${AR:-${CXX%g++}ar}
command -v "$AR" >/dev/null 2>&1 || AR=ar
rm -f "$out/libtramontane_cpu.a"
"$AR" rcs "$out/libtramontane_cpu.a" "${objs[@]}"
