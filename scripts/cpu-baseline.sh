#!/usr/bin/env bash
# Loads the built addon (build/Release) on emulated CPUs: one below x86-64-v2 (qemu64: no SSSE3, SSE4 or
# POPCNT) must get the coded LPC_UNSUPPORTED_CPU error rather than SIGILL, and a plain x86-64-v2 one
# (Nehalem: no AVX) must load it and draw numbers with the baseline versions of the hot loops, equal to
# this machine's. Needs qemu-user (scripts/install-arm64-deps.sh). `npm run test:cpu-baseline` runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
addon="$PWD/build/Release/langevin_pc.node"
probe='
  try {
    const b = require(process.argv[1]);
    const r = new b.Rng({ seed: 5n, stream: 0n, device: "cpu" });
    console.log("loaded " + Array.from(r.normal(new Float32Array(4096)).slice(4090)).join(","));
  } catch (e) {
    console.log("error " + e.code);
  }'
old="$(qemu-x86_64 -cpu qemu64 "$(command -v node)" -e "$probe" "$addon")"
v2="$(qemu-x86_64 -cpu Nehalem "$(command -v node)" -e "$probe" "$addon")"
here="$(node -e "$probe" "$addon")"
[ "$old" = "error LPC_UNSUPPORTED_CPU" ] || { echo "qemu64: expected LPC_UNSUPPORTED_CPU; got: $old"; exit 1; }
[ "$v2" = "$here" ] || { echo "Nehalem: expected '$here'; got: $v2"; exit 1; }
echo "cpu baseline: refused below x86-64-v2 (LPC_UNSUPPORTED_CPU); on x86-64-v2 the same numbers as here"
