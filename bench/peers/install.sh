#!/bin/sh
# Installs the peers' own dependencies, apart from the package's: Debian's PyTorch and the threaded
# OpenBLAS (without which PyTorch falls back to the reference BLAS). Needs root (apt-get).
set -e
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null || ! dpkg -s libopenblas0-pthread >/dev/null 2>&1; then
  apt-get install -y -q python3-torch libopenblas0-pthread
fi
