#!/usr/bin/env bash
# Installs what scripts/arm64.sh needs on Debian: the aarch64 cross compiler (with the arm64 C and C++
# runtime libraries under /usr/aarch64-linux-gnu) and qemu's user-mode emulator to run the results.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y g++-aarch64-linux-gnu qemu-user cmake ninja-build
