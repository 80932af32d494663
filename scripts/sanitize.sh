#!/usr/bin/env bash
# Builds the native code with AddressSanitizer and UndefinedBehaviorSanitizer into build-sanitize/ (the
# ordinary build/ is left alone) and runs, under them, the CTest suite and the addon's vitest tests in
# test/native. Any finding aborts and fails the script. Needs gcc's libasan and libubsan
# (scripts/install-sanitizer-deps.sh installs them). `npm run test:sanitize` runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
out=build-sanitize
jobs="${LPC_SANITIZE_JOBS:-2}"

# 1. The CTest programs: plain C++ processes, so leak detection stays on. No CUDA: the sanitizers do not
#    see into device code, and the GPU path is compared with the CPU by cuda_vs_cpu on GPU machines.
cmake -S . -B "$out/ctest" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLPC_SANITIZE=ON -DLPC_CUDA=OFF > /dev/null
cmake --build "$out/ctest" -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir "$out/ctest" --output-on-failure

# 2. The addon, built by cmake-js into its own folder.
npx cmake-js compile --out "$out/addon" --CDLPC_SANITIZE=ON --CDLPC_CUDA=OFF > "$out/addon-build.log" 2>&1 ||
  { tail -40 "$out/addon-build.log"; exit 1; }

# 3. The addon's tests, from a copy of the sources whose build/ is the sanitized addon (lib/native/binding.ts
#    loads the addon from the package root it sits in, and child processes find it the same way).
tree="$out/tree"
rm -rf "$tree"
mkdir -p "$tree"
cp -r lib test package.json tsconfig.json tsconfig.test.json vitest.config.ts "$tree"/
ln -s "$PWD/node_modules" "$tree/node_modules"
ln -s "$PWD/$out/addon" "$tree/build"

# node itself is not instrumented, so the ASan runtime must be loaded first (LD_PRELOAD). Leak detection
# is off for node: at exit Node.js and V8 deliberately leave their heaps to the operating system, and
# LeakSanitizer would report those allocations, none of which is the addon's. The CTest run above checks
# the native code's own memory for leaks.
libasan="$(gcc -print-file-name=libasan.so)"
(
  cd "$tree"
  LD_PRELOAD="$libasan" ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    npx vitest run test/native
)
echo "sanitize: CTest and test/native clean under AddressSanitizer and UndefinedBehaviorSanitizer"
