#!/usr/bin/env bash
# The demo (npm run demo): a private tmux server, 4 worker panes, real tasks enqueued and
# drained, then `status` and `tasks-list` to show what happened. DEMO_KEEP=1 leaves the session
# running so you can `tmux-orc attach` to it.
set -euo pipefail
cd "$(dirname "$0")/.."
orc() { node dist/cli.cjs "$@"; }
export TMUX_SOCKET=${TMUX_SOCKET:-orc-demo} TMUX_SESSION=${TMUX_SESSION:-demo}
export TASK_ROOT=${TASK_ROOT:-$PWD/var/tmux/$TMUX_SESSION/tasks}

orc kill >/dev/null 2>&1 || true
rm -rf "$TASK_ROOT"
echo "== init: session '$TMUX_SESSION' on socket '$TMUX_SOCKET', 4 worker panes, tree $TASK_ROOT"
orc init 4 >/dev/null
orc tasks-start >/dev/null

echo "== enqueue real work"
n=6
count=$(orc tasks-enqueue -l demo -- 'cat src/**/*.ts src/*.ts | wc -l')
# one task per installed package: its gzip -9 size, enqueued in bulk (one line, one task)
for d in node_modules/*/; do echo "printf '%-28s %s\\n' $d \$(tar -cf - $d | gzip -9 | wc -c)"; done > "$TASK_ROOT.bulk"
n=$((n + $(orc tasks-enqueue -l demo --stdin < "$TASK_ROOT.bulk" | wc -l)))
rm -f "$TASK_ROOT.bulk"
orc tasks-enqueue -l demo --after "$count" -- 'echo "runs once the line count is done"' >/dev/null
orc tasks-enqueue -l demo --in 2s -- 'echo "started two seconds after it was queued"' >/dev/null
marker=$(mktemp -u)
orc tasks-enqueue -l demo --retries 2 --backoff 300ms -- "test -e $marker || { touch $marker; echo 'flaky: fails once' >&2; exit 1; }" >/dev/null
orc tasks-enqueue -l demo --timeout 1s -- 'sleep 30' >/dev/null
echo "   $n tasks queued: a line count, a gzip size per package, a dependent, a delayed, a flaky one with retries, a timeout"

echo "== workers drain the queue; tmux-orc status while they work:"
orc status
for _ in $(seq 1 300); do
  busy=$(orc tasks-health --json | node -e 'const h=JSON.parse(require("fs").readFileSync(0,"utf8")); console.log(h.counts.queue + h.counts.running)')
  [ "$busy" -eq 0 ] && break
  sleep 0.2
done
echo
echo "== tmux-orc tasks-list all"
orc tasks-list all
echo
echo "== output of $count (tmux-orc tasks-tail $count)"
orc tasks-tail "$count"
rm -f "$marker"
if [ "${DEMO_KEEP:-0}" = 1 ]; then
  echo "Session left running: TMUX_SOCKET=$TMUX_SOCKET TMUX_SESSION=$TMUX_SESSION node dist/cli.cjs attach"
else
  orc tasks-stop >/dev/null 2>&1 || true
  orc kill >/dev/null
  echo "Done. DEMO_KEEP=1 npm run demo keeps the session for tmux-orc attach."
fi
