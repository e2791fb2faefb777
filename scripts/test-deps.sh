#!/usr/bin/env bash
# The real parts some tests drive besides tmux (agent CLIs, a browser, redis-server, ...): each
# scripts/test-deps.d/*.sh installs one of them when it is missing and is quiet when it is there.
# Run before the tests (npm's pretest). A part that cannot be installed here (no root for apt, no
# network) is reported in one line; the tests that need it then skip and say why.
set -uo pipefail
cd "$(dirname "$0")"
for part in test-deps.d/*.sh; do
  [ -e "$part" ] || continue
  bash "$part" || echo "test-deps: $(basename "$part" .sh) not installed; the tests that need it will skip"
done
exit 0
