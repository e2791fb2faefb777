#!/usr/bin/env bash
# promtool (Debian's prometheus package) checks /metrics in test/serve: `promtool check metrics`
# parses and lints the Prometheus text format. Quiet when it is there; apt-get only as root.
set -euo pipefail
command -v promtool >/dev/null 2>&1 && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "promtool: not installed (as root: apt-get install prometheus)"
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || true
apt-get install -y -qq --no-install-recommends prometheus >/dev/null
# The package starts a prometheus service where it can; the tests need only promtool.
if command -v systemctl >/dev/null 2>&1; then systemctl disable --now prometheus >/dev/null 2>&1 || true; fi
if command -v service >/dev/null 2>&1; then service prometheus stop >/dev/null 2>&1 || true; fi
command -v promtool >/dev/null 2>&1
