#!/bin/sh
# Installs the peers' own dependencies, apart from the package's: Debian's PyTorch and the threaded
# OpenBLAS (without which PyTorch falls back to the reference BLAS; needs root for apt-get), and
# TensorFlow.js into bench/peers/node_modules from this folder's package.json.
set -e
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null || ! dpkg -s libopenblas0-pthread >/dev/null 2>&1; then
  apt-get install -y -q python3-torch libopenblas0-pthread
fi
cd "$(dirname "$0")"
npm install --no-audit --no-fund --ignore-scripts
