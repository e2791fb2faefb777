#!/usr/bin/env bash
# redis-server and redis-cli, for the Redis backend's tests (test/redis/): Debian's package.
# The tests start private servers of their own; a service apt may start is stopped.
set -euo pipefail
command -v redis-server >/dev/null && command -v redis-cli >/dev/null && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "redis: redis-server is missing and cannot be installed here (needs root and apt-get)"
  exit 1
fi
echo "redis: installing redis-server from Debian's packages"
(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server) >/dev/null 2>&1 || { echo "redis: apt-get install redis-server failed"; exit 1; }
# Not ours to keep running: the tests use their own servers on free ports.
(service redis-server stop || pkill -x redis-server) >/dev/null 2>&1 || true
