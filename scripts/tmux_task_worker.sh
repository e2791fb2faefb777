#!/usr/bin/env bash
# The seed's worker entry point: scripts/tmux_task_worker.sh <tasks_dir> <worker_id>
# Runs the tmux-orc worker loop on that task tree (see README "Workers").
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 <tasks_dir> <worker_id>" >&2
  exit 2
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec node "$here/../dist/cli.cjs" worker --root "$1" --id "$2"
