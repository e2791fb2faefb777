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

const SCRIPT = `
pg=0
while :; do
  if read -r -t "$1" line; then
    case $line in pg\\ *) pg=\${line#pg } ;; esac
  else
    rc=$?
    [ "$pg" -gt 0 ] 2>/dev/null && kill -KILL -- "-$pg" 2>/dev/null
    pg=0
    [ $rc -le 128 ] && exit 0   # the worker is gone (end of input), not just late
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

  private say(line: string): void {
    this.child.stdin?.write(`${line}\n`);
  }

  close(): void {
    clearInterval(this.timer);
    this.say('pg 0');
    this.child.stdin?.end();
  }
}
