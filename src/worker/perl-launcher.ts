/**
 * The Perl launcher (launcher.pl): one small Perl process per worker claims its tasks under a
 * kernel lock, holds them, forks their commands and copies their output to the pane and the logs.
 *
 * A request is `<bytes>\n` then NUL-separated fields, the first one the verb:
 *   claim  FROM TO NEED*                         → `claimed` | `gone` | `busy` | `waiting <need index>` | `bad <why>` | `error <why>`
 *   run    BANNER RECORD OUT ERR CWD CMD ARGV (KEY=VAL)* → `exit <code>` | `signal <n>` | `error <why>` | `lost <why>`
 *   release                                      → (no reply)
 * BANNER is the worker's start line, written to the pane once the run is recorded. ARGV is the words of a plain command, space-separated, or empty (direct.ts). The worker learns
 * a task's process group from the task file when it needs it, so a short task costs it one
 * wake-up, not two.
 */
import fs from 'node:fs';
import os from 'node:os';
import { spawn, type ChildProcess } from 'node:child_process';
import { directArgv } from './direct.js';
import type { ClaimReply, Exit, Launched, Launcher, LaunchRequest } from './launcher.js';
import type { LauncherChoice } from './choose-launcher.js';

const signalName = (n: number) =>
  (Object.entries(os.constants.signals).find(([, v]) => v === n)?.[0] ?? `SIG${n}`) as NodeJS.Signals;

/** The program's text, read once: it sits next to this module in src/ and next to the bundle in dist/. */
let program: string | undefined;
const perlProgram = () => (program ??= fs.readFileSync(new URL('./launcher.pl', import.meta.url), 'utf8'));

/** Arguments launcher.pl takes after the pane descriptors: open(2) flags, lease, signal names, the cap on each log. */
function programArgs(leaseMs: number, logMax = 0): string[] {
  const c = fs.constants;
  const flags = [c.O_WRONLY, c.O_APPEND, c.O_CREAT, c.O_NOFOLLOW, c.O_RDWR, c.O_NONBLOCK].join(',');
  const names: string[] = [];
  for (const [name, n] of Object.entries(os.constants.signals)) names[n] ??= name;
  return [flags, String(Math.max(1, Math.round(leaseMs / 1000))), Array.from(names, (x) => x ?? '').join(','), String(logMax)];
}

export interface PerlLauncherOptions extends LauncherChoice {
  /** Descriptors the tasks' output is copied to: the worker's stdout and stderr (the pane). */
  paneFds: [number, number];
  /** Lease on a held task across hosts: renewed while it runs, and a supervisor that finds it lapsed and taken over kills its task. */
  leaseMs: number;
  /** Cap on each task log in bytes (task_log_max; 0: none): head and tail kept, one marker line between. */
  logMax?: number;
}

/** One long-lived Perl process per worker, one task at a time. */
export class PerlLauncher implements Launcher {
  readonly name = 'perl';
  private child?: ChildProcess;
  private replies: string[] = [];
  private waiting: Array<(line: string | undefined) => void> = [];
  private died?: string;

  constructor(private o: PerlLauncherOptions) {}

  private start(): ChildProcess {
    // Its own session: C-c or a hang-up in the pane is for the worker, not for the launcher.
    const child = spawn(this.o.perl, ['-e', perlProgram(), this.o.bash, '3', '4', ...programArgs(this.o.leaseMs, this.o.logMax)], {
      detached: true, stdio: ['pipe', 'pipe', 'inherit', ...this.o.paneFds],
    });
    this.died = undefined;
    let tail = '';
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      if (child !== this.child) return; // a dead launcher's last words
      const lines = (tail + text).split('\n');
      tail = lines.pop()!;
      for (const l of lines) this.deliver(l);
    });
    child.stdin!.on('error', () => {}); // a dead launcher is reported by 'exit'
    child.on('error', (err) => this.end(child, `launcher-died: ${err.message}`));
    child.on('exit', (code, signal) => this.end(child, `launcher-died: perl ${signal ? `killed by ${signal}` : `exited ${code}`}`));
    return child;
  }

  private end(child: ChildProcess, why: string): void {
    if (child !== this.child) return;
    this.died ??= why;
    this.child = undefined;
    for (const w of this.waiting.splice(0)) w(undefined);
  }

  private deliver(line: string): void {
    const w = this.waiting.shift();
    if (w) w(line);
    else this.replies.push(line);
  }

  private send(fields: string[]): Promise<string | undefined> {
    const child = (this.child ??= this.start());
    const body = Buffer.from(fields.join('\0'));
    child.stdin!.write(Buffer.concat([Buffer.from(`${body.length}\n`), body]));
    if (fields[0] === 'release') return Promise.resolve('');
    if (this.replies.length) return Promise.resolve(this.replies.shift());
    return new Promise((r) => this.waiting.push(r));
  }

  async claim(from: string, to: string, needs: string[] = []): Promise<ClaimReply> {
    const line = await this.send(['claim', from, to, ...needs]);
    if (line === undefined) return { kind: 'error', reason: this.died ?? 'launcher-died' };
    const [word, ...rest] = line.split(' ');
    const reason = rest.join(' ');
    if (word === 'claimed' || word === 'gone' || word === 'busy') return { kind: word };
    if (word === 'bad') return { kind: 'bad', reason };
    if (word === 'waiting') return { kind: 'waiting', need: Number(reason) };
    return { kind: 'error', reason: reason || line };
  }

  alive(): boolean {
    return this.child !== undefined;
  }

  release(): void {
    if (this.child) void this.send(['release']);
  }

  async launch(req: LaunchRequest): Promise<Launched> {
    const fields = ['run', req.banner, req.record, req.out, req.err, req.cwd ?? '', req.cmd, directArgv(req.cmd)?.join(' ') ?? '', ...req.env.map(([k, v]) => `${k}=${v}`)];
    // The record lands after what the file holds now; only that part is read for the group.
    const from = fs.statSync(req.file, { throwIfNoEntry: false })?.size ?? 0;
    const exit = this.send(fields).then((line): Exit => {
      const e = line && /^(exit|signal) (\d+)$/.exec(line);
      if (line?.startsWith('error ')) return { code: null, signal: null, error: line.slice(6) };
      if (line?.startsWith('lost ')) return { code: null, signal: null, error: line.slice(5), lost: true };
      if (!e) return { code: null, signal: null, error: this.died ?? `launcher-died: unexpected reply ${JSON.stringify(line)}` };
      return e[1] === 'exit' ? { code: Number(e[2]), signal: null } : { code: null, signal: signalName(Number(e[2])) };
    });
    return { exit, pgid: () => recordedGroup(req.file, from) };
  }

  /** Let the launcher go (it exits once its current task, if any, is over); never hold the worker. */
  close(): void {
    const child = this.child;
    if (!child) return;
    child.stdin!.end();
    child.unref();
    (child.stdout as { unref?: () => void }).unref?.();
  }
}

/** The `PGID=` recorded in the task file after byte `from`, if it has been. */
function recordedGroup(file: string, from: number): number | undefined {
  let text: string;
  try {
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    try {
      const buf = Buffer.alloc(4096);
      text = buf.toString('utf8', 0, fs.readSync(fd, buf, 0, buf.length, from));
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
  const m = /^PGID=(\d+)$/m.exec(text);
  return m ? Number(m[1]) : undefined;
}
