#!/usr/bin/env bash
# The Redis backend in one go: a private redis-server, 40 tasks queued, two "hosts" of two
# workers each draining them, the listing showing which host ran what. Needs redis-server.
#   bash examples/redis-demo.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
orc() { node "$here/dist/cli.cjs" "$@"; }
command -v redis-server >/dev/null || { echo "redis-demo: redis-server is not installed (apt-get install redis-server)"; exit 1; }
dir=$(mktemp -d)
port=$(( 20000 + RANDOM % 20000 ))
redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --save '' --appendonly yes --daemonize yes --pidfile "$dir/pid" --logfile "$dir/log"
trap 'redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.1; done
export TASK_BACKEND="redis://127.0.0.1:$port/0?queue=demo"
seq 40 | sed 's/^/sleep 0.1; echo task /' | orc tasks-enqueue --stdin >/dev/null
echo "queued 40 tasks on $TASK_BACKEND; two hosts × 2 workers drain them"
for h in alpha beta; do
  for i in 0 1; do TMUX_ORC_HOST=$h orc worker --id "$i" --until-empty >/dev/null 2>&1 & done
done
wait
orc tasks-list done | head -12
echo "…"
orc tasks-list done --json | node -e 'const r=JSON.parse(require("fs").readFileSync(0,"utf8"));const c={};for(const t of r){const h=t.worker.split(".")[0];c[h]=(c[h]||0)+1}console.log("tasks per host:",c)'
