/**
 * The dead man's switch of a Redis worker. BullMQ gives a running job to another worker once its
 * lock lapses (a stalled job), so a task must never outlive its worker's hold on the lock: a
 * worker that dies (SIGKILL, its pane closed) or freezes (SIGSTOP, a stuck event loop) would leave
 * a task running while another host starts it again. This small bash process, in a session of
 * its own, hears a heartbeat from the worker; when the heartbeats stop for `silenceMs` (well inside
 * the lock's duration) or the worker's end of the pipe closes, it kills the process group of each
 * task in the worker's spool (`running/`, where the launcher records a task's PGID before the task
 * starts). The worker tells it nothing per task: a message per task woke it per task.
 */
import { spawn, type ChildProcess } from 'node:child_process';

// The group of a file's last run: the PGID after its last CLAIM (a retried task's text keeps the
// records of its earlier runs, whose groups are not this run's). After a silence it keeps
// listening: a task whose group is recorded later is killed at the next one.
const SCRIPT = `
killtasks() {
  for f in "$1"/*; do
    [ -f "$f" ] || continue
    p=$(awk '/^CLAIM=/ { p = "" } /^PGID=[0-9]+$/ { p = substr($0, 6) } END { print p }' "$f")
    [ "\${p:-0}" -gt 1 ] && kill -KILL -- "-$p" 2>/dev/null
  done
}
while :; do
  read -r -t "$1" line && continue
  rc=$?
  killtasks "$2"
  # The worker is gone (end of input), not just late: once more after a launch it began may have landed.
  [ $rc -le 128 ] && { sleep 1; killtasks "$2"; exit 0; }
done`;

export class Deadman {
  private child: ChildProcess;
  private timer: NodeJS.Timeout;

  /** `running`: the directory of the worker's running tasks (its spool's running/). */
  constructor(silenceMs: number, running: string) {
    const secs = Math.max(1, Math.floor(silenceMs / 1000));
    // None of the user's start-up files: bash runs ~/.bashrc when its stdin is a socket (as Node's
    // pipes are) and SHLVL is unset or 0 (a worker started from cron, or by a subshell's exec), and
    // $BASH_ENV in any non-interactive shell. A slow or hanging one would hold up the switch.
    const env = { ...process.env };
    delete env.BASH_ENV;
    delete env.ENV;
    this.child = spawn('bash', ['--norc', '--noprofile', '-c', SCRIPT, 'orc-deadman', String(secs), running], { stdio: ['pipe', 'ignore', 'ignore'], detached: true, env });
    this.child.stdin!.on('error', () => {});
    this.child.unref();
    (this.child.stdin as unknown as { unref?: () => void }).unref?.();
    this.timer = setInterval(() => this.say('hb'), Math.max(250, (secs * 1000) / 4));
    this.timer.unref();
  }

  private say(line: string): void {
    this.child.stdin?.write(`${line}\n`);
  }

  close(): void {
    clearInterval(this.timer);
    this.child.stdin?.end();
  }
}
