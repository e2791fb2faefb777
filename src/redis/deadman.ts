/**
 * The dead man's switch of a Redis worker. BullMQ gives a running job to another worker once its
 * lock lapses (a stalled job), so a task must never outlive its worker's hold on the lock: a
 * worker that dies (SIGKILL, its pane closed) or freezes (SIGSTOP, a stuck event loop) would leave
 * a task running while another host starts it again. This small bash process, in a session of its
 * own, is told the running task's process group and hears a heartbeat from the worker; when the
 * heartbeats stop for `silenceMs` (well inside the lock's duration) or the worker's end of the
 * pipe closes, it kills that group.
 */
import { spawn, type ChildProcess } from 'node:child_process';

// `file F`: the running task's local record, whose PGID line the launcher writes before the task
// starts: read when the silence comes, so a worker frozen before it told the group still has its
// task killed. Kept until the worker clears it: a group recorded later is killed at the next silence.
const SCRIPT = `
pg=0 file=
killtask() {
  if [ -n "$file" ] && [ -r "$file" ]; then
    p=$(sed -n 's/^PGID=\\([0-9][0-9]*\\)$/\\1/p' "$file" | tail -n 1)
    [ -n "$p" ] && kill -KILL -- "-$p" 2>/dev/null
  fi
  [ "$pg" -gt 0 ] 2>/dev/null && kill -KILL -- "-$pg" 2>/dev/null
  pg=0
}
while :; do
  if read -r -t "$1" line; then
    case $line in pg\\ *) pg=\${line#pg } ;; file\\ *) file=\${line#file } ;; file) file= ;; esac
  else
    rc=$?
    killtask
    # The worker is gone (end of input), not just late: once more after a launch it began may have landed.
    [ $rc -le 128 ] && { sleep 1; killtask; exit 0; }
  fi
done`;

export class Deadman {
  private child: ChildProcess;
  private timer: NodeJS.Timeout;

  constructor(silenceMs: number) {
    const secs = Math.max(1, Math.floor(silenceMs / 1000));
    this.child = spawn('bash', ['-c', SCRIPT, 'orc-deadman', String(secs)], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    this.child.stdin!.on('error', () => {});
    this.child.unref();
    (this.child.stdin as unknown as { unref?: () => void }).unref?.();
    this.timer = setInterval(() => this.say('hb'), Math.max(250, (secs * 1000) / 4));
    this.timer.unref();
  }

  /** The group to kill if the worker goes silent (0: none). */
  watch(pgid: number): void {
    this.say(`pg ${pgid}`);
  }

  /** The running task's local record (undefined: none): its group is read from it when the silence comes. */
  guard(file: string | undefined): void {
    this.say(file === undefined ? 'file' : `file ${file}`);
  }

  private say(line: string): void {
    this.child.stdin?.write(`${line}\n`);
  }

  close(): void {
    clearInterval(this.timer);
    this.say('pg 0');
    this.say('file');
    this.child.stdin?.end();
  }
}
