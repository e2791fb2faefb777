#!/usr/bin/env bash
# Headless Chromium for the dashboard's browser tests (test/serve/dashboard*.test.ts) and the
# bench's first-render scenario: Debian's `chromium` package at /usr/bin/chromium, driven by
# playwright-core (a devDependency; its own browser downloads are never used). Quiet when present;
# apt-get only as root. CHROMIUM=/path overrides where the tests look.
set -euo pipefail
bin="${CHROMIUM:-/usr/bin/chromium}"
[ -x "$bin" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "chromium: $bin missing and not root (sudo apt-get install chromium)"
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null 2>&1 || {
  apt-get update -qq >/dev/null 2>&1
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
}
[ -x "$bin" ] || { echo "chromium: installed, but $bin is not there"; exit 1; }
