#!/usr/bin/env bash
# Installs what scripts/sanitize.sh needs on Debian: gcc with its AddressSanitizer and
# UndefinedBehaviorSanitizer runtimes (libasan8, libubsan1 come with gcc 12), CMake and Ninja.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y g++ libasan8 libubsan1 cmake ninja-build
