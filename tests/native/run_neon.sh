#!/usr/bin/env bash
# The aarch64 kernels against the scalar references (neon_test.cpp), cross-compiled and run
# under qemu-aarch64 user-mode emulation at three CPUs, one per set of extensions the NEON level
# dispatches on: max (dot product, BF16, i8mm), cortex-a76 (dot product), cortex-a53 (Armv8.0).
# On an aarch64 host it runs natively instead, expecting what the host's HWCAP reports.
# Usage: run_neon.sh LIB_DIR (holding the aarch64 libtramontane_cpu.a; env CXX the aarch64 compiler)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src="$here/../../native/cpu"
lib=${1:?usage: run_neon.sh LIB_DIR}
out="$lib/native-tests"
mkdir -p "$out"
CXX=${CXX:-aarch64-linux-gnu-g++}
# static: qemu-aarch64 then needs no aarch64 sysroot
"$CXX" -std=c++17 -O1 -pthread -I"$src" -I"$src/include" -c "$here/neon_test.cpp" -o "$out/neon_test.o"
"$CXX" -static -pthread "$out/neon_test.o" "$lib/libtramontane_cpu.a" -o "$out/neon_test"
if [ "$(uname -m)" = aarch64 ]; then
  features=$(grep -m1 '^Features' /proc/cpuinfo)
  want=()
  for f in asimddp:dot bf16:bf16 i8mm:i8mm; do
    [[ " ${features#*:} " == *" ${f%%:*} "* ]] && want+=("${f##*:}")
  done
  "$out/neon_test" "$(IFS=,; echo "${want[*]:-none}")"
  exit
fi
qemu=$(command -v qemu-aarch64-static || command -v qemu-aarch64 || true)
[ -n "$qemu" ] || { echo "run_neon.sh: qemu-aarch64 not found (apt-get install qemu-user-static)" >&2; exit 1; }
for run in max:dot,bf16,i8mm cortex-a76:dot cortex-a53:none; do
  echo "+ $(basename "$qemu") -cpu ${run%%:*} neon_test ${run##*:}"
  "$qemu" -cpu "${run%%:*}" "$out/neon_test" "${run##*:}"
done
