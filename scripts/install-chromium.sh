#!/usr/bin/env bash
# Installs the browser that `npm run test:browser` drives: Debian's chromium at /usr/bin/chromium (playwright's own
# browser downloads cannot reach their host here, so playwright-core is pointed at this one). Needs root (or sudo) and apt.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
sudo=''
[ "$(id -u)" -eq 0 ] || sudo='sudo'
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update
$sudo apt-get install -y --no-install-recommends chromium
