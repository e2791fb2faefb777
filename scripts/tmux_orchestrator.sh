#!/usr/bin/env bash
# The seed's entry point, kept so its examples run as written from the repo root:
# every subcommand is forwarded, arguments untouched, to the tmux-orc command of this checkout
# (bin/tmux-orc: plain enqueues in the shell, everything else in the Node CLI).
set -euo pipefail
here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
cli="$here/../dist/cli.cjs"
if [[ ! -f "$cli" ]]; then
  echo "tmux_orchestrator.sh: $cli is missing; build it first: npm run build" >&2
  exit 1
fi
exec "$here/../bin/tmux-orc" "$@"
