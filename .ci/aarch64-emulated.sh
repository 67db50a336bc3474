#!/usr/bin/env bash
# The jar built with -Parm64-cross, end to end under emulation: the linux-arm64 JVM (Debian's
# openjdk-17 arm64 package) runs under qemu-aarch64 user mode with -cpu max (NEON with dot
# product, BF16, i8mm), loads the jar's linux-arm64 natives and generates greedily on the
# tiny-mixtral fixture in fp32; the tokens must equal the x86-64 run's and every logit be within
# 1e-4 of it.  Usage: aarch64-emulated.sh FIXTURES_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
fixtures=${1:?usage: aarch64-emulated.sh FIXTURES_DIR}
jar=target/tramontane.jar
arm_java=/usr/lib/jvm/java-17-openjdk-arm64/bin/java
qemu=$(command -v qemu-aarch64-static || command -v qemu-aarch64)
out=target/aarch64-emulated
mkdir -p "$out"

# one jar, both platforms' natives
listing=$(jar tf "$jar" | grep -E '/linux-(x86_64|arm64)/lib[a-zA-Z]+\.so$' | sort)
echo "$listing"
for lib in backend/cpu/linux-x86_64/libjniCpuNative.so backend/cpu/linux-arm64/libjniCpuNative.so \
    backend/ascend/linux-x86_64/libjniAscendNative.so backend/ascend/linux-arm64/libjniAscendNative.so \
    javacpp/linux-x86_64/libjnijavacpp.so javacpp/linux-arm64/libjnijavacpp.so; do
  grep -q "/$lib\$" <<< "$listing" || { echo "FAIL: $jar lacks $lib" >&2; exit 1; }
done

if [ ! -d "$fixtures/tiny-mixtral" ]; then
  echo "warning: $fixtures/tiny-mixtral is absent: the emulated generate is skipped"
  exit 0
fi
args=(generate --model "$fixtures/tiny-mixtral" --dtype fp32 --input-text "The capital of France is"
      --max-output-length 8 --ignore-eos --output-format json)
echo "+ java -jar $jar ${args[*]}"
java -jar "$jar" "${args[@]}" --logits-out "$out/x86_64.npy" > "$out/x86_64.json"
echo "+ $(basename "$qemu") -cpu max $arm_java -jar $jar ${args[*]}"
"$qemu" -cpu max "$arm_java" -Dtramontane.cpu.isa=neon -jar "$jar" "${args[@]}" --logits-out "$out/arm64.npy" > "$out/arm64.json"
cat "$out/arm64.json"
if ! cmp -s "$out/x86_64.json" "$out/arm64.json"; then
  echo "FAIL: the emulated aarch64 tokens differ from the x86-64 run's:" >&2
  cat "$out/x86_64.json" >&2
  exit 1
fi
echo "tokens equal the x86-64 run's"
python3 .ci/npy_max_diff.py "$out/x86_64.npy" "$out/arm64.npy" 1e-4
