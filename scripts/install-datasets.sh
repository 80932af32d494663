#!/usr/bin/env bash
# Installs the data sets that a fresh machine lacks and `npm run test:datasets` and the benchmarks read:
# Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist). Needs root (or sudo) and apt.
set -euo pipefail
if [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then exit 0; fi
sudo=''
[ "$(id -u)" -eq 0 ] || sudo='sudo'
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update
$sudo apt-get install -y dataset-fashion-mnist
