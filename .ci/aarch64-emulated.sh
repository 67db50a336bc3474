#!/usr/bin/env bash
# The jar built with -Parm64-cross, end to end under emulation: the linux-arm64 JVM (Debian's
# openjdk-17 arm64 package) runs under qemu-aarch64 user mode, loads the jar's linux-arm64
# natives at the NEON level and generates greedily on fixtures (tiny-mixtral in fp32 with -cpu max,
# which has dot product, BF16 and i8mm, and with -cpu cortex-a53, which has none; the W8A8 fixture
# with -cpu max); the tokens must equal the x86-64 run's and every logit be within 1e-4 of it.
# (bf16 is left out: its rounding follows the kernels' summation order, so x86 and Arm differ
# by more than that.)  Then the cpu backend's Java tests (every operation against the plain Java
# reference at scalar and at neon, the platform) in that JVM under -cpu max.
# Usage: aarch64-emulated.sh FIXTURES_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
fixtures=${1:?usage: aarch64-emulated.sh FIXTURES_DIR}
jar=target/tramontane.jar
arm_java=/usr/lib/jvm/java-17-openjdk-arm64/bin/java
qemu=$(command -v qemu-aarch64-static || command -v qemu-aarch64)
out=target/aarch64-emulated
rm -rf "$out"
mkdir -p "$out"

# one jar, both platforms' natives
listing=$(jar tf "$jar" | grep -E '/linux-(x86_64|arm64)/lib[a-zA-Z]+\.so$' | sort)
echo "$listing"
for lib in backend/cpu/linux-x86_64/libjniCpuNative.so backend/cpu/linux-arm64/libjniCpuNative.so \
    backend/ascend/linux-x86_64/libjniAscendNative.so backend/ascend/linux-arm64/libjniAscendNative.so \
    javacpp/linux-x86_64/libjnijavacpp.so javacpp/linux-arm64/libjnijavacpp.so; do
  grep -q "/$lib\$" <<< "$listing" || { echo "FAIL: $jar lacks $lib" >&2; exit 1; }
done

# fixture, emulated CPU: fp32 at both ends of the extensions; W8A8 on max (i8mm, dot product)
runs=(tiny-mixtral:max tiny-mixtral:cortex-a53 tiny-mixtral-w8a8:max)
if [ ! -d "$fixtures/tiny-mixtral" ] || [ ! -d "$fixtures/tiny-mixtral-w8a8" ]; then
  echo "warning: the tiny-mixtral fixtures are absent from $fixtures: the emulated generate is skipped"
  runs=()
fi
for run in "${runs[@]}"; do
  fixture=${run%%:*} cpu=${run##*:}
  args=(generate --model "$fixtures/$fixture" --input-text "The capital of France is" --max-output-length 8
        --ignore-eos --output-format json)
  [ "$fixture" = tiny-mixtral ] && args+=(--dtype fp32)
  [ -f "$out/$fixture.x86_64.json" ] || {
    echo "+ java -jar $jar ${args[*]}"
    java -jar "$jar" "${args[@]}" --logits-out "$out/$fixture.x86_64.npy" > "$out/$fixture.x86_64.json"
  }
  echo "+ $(basename "$qemu") -cpu $cpu $arm_java -Dtramontane.cpu.isa=neon -jar $jar ${args[*]}"
  "$qemu" -cpu "$cpu" "$arm_java" -Dtramontane.cpu.isa=neon -jar "$jar" "${args[@]}" \
      --logits-out "$out/$fixture.$cpu.npy" > "$out/$fixture.$cpu.json"
  cat "$out/$fixture.$cpu.json"
  if ! cmp -s "$out/$fixture.x86_64.json" "$out/$fixture.$cpu.json"; then
    echo "FAIL: the emulated aarch64 tokens differ from the x86-64 run's:" >&2
    cat "$out/$fixture.x86_64.json" >&2
    exit 1
  fi
  echo "tokens equal the x86-64 run's"
  python3 .ci/npy_max_diff.py "$out/$fixture.x86_64.npy" "$out/$fixture.$cpu.npy" 1e-4
done

# surefire wants a path that ends in bin/java
jvm="$PWD/$out/jvm/bin/java"
mkdir -p "$(dirname "$jvm")"
printf '#!/bin/sh\nexec %s -cpu max %s "$@"\n' "$qemu" "$arm_java" > "$jvm"
chmod +x "$jvm"
rm -rf target/surefire-reports  # the reports below are this run's alone
echo "+ mvn surefire:test -Djvm=(qemu-aarch64 -cpu max, arm64 java) -Dtest='Cpu*Test,PlatformTest'"
mvn -B -q surefire:test -Parm64-cross -Djvm="$jvm" -Dtest='Cpu*Test,PlatformTest' -Dsurefire.failIfNoSpecifiedTests=false
arches=$(grep -h -o 'name="os.arch" value="[^"]*"' target/surefire-reports/TEST-*.xml | sort -u)
echo "$arches"
[ "$arches" = 'name="os.arch" value="aarch64"' ] || { echo "FAIL: the tests did not run on the arm64 JVM" >&2; exit 1; }
