#!/usr/bin/env bash
# Install the peers `npm run bench` compares against, from Debian's packages:
# task-spooler (binary tsp), nq, GNU parallel. Run as root (or with sudo).
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends task-spooler nq parallel
for b in tsp nq parallel; do command -v "$b" >/dev/null && echo "ok: $b -> $(command -v "$b")" || echo "missing: $b"; done
