/** The Node launcher: tasks spawned by the worker itself (no perl, or TMUX_ORC_LAUNCHER=node). */
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { processStart, signalGroup } from '../persist/proc.js';
import type { Exit, Launched, Launcher, LaunchRequest, Pane } from './launcher.js';

/** Spawning from Node: no extra process, but each spawn costs the worker a fork of itself. */
export class NodeLauncher implements Launcher {
  constructor(private bash: string, private pane: Pane) {}

  async launch(req: LaunchRequest): Promise<Launched> {
    const unwritable = unwritableLog(req.out) ?? unwritableLog(req.err);
    if (unwritable) return notStarted(`spawn-error: ${unwritable}`);
    const child = spawn(this.bash, ['-c', req.cmd], {
      argv0: 'bash',
      cwd: req.cwd, env: { ...process.env, ...Object.fromEntries(req.env) }, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tees = [new Tee(child.stdout!, req.out, this.pane.out), new Tee(child.stderr!, req.err, this.pane.err)];
    const exit = new Promise<Exit>((resolve) => {
      child.on('error', (e) => {
        tees.forEach((t) => t.close());
        resolve({ code: null, signal: null, error: `spawn-error: ${e.message}` });
      });
      child.on('exit', async (code, signal) => {
        signalGroup(child.pid!, 'SIGKILL');
        await Promise.all(tees.map((t) => t.finish()));
        const logError = tees.find((t) => t.error)?.error;
        resolve(logError ? { code: null, signal: null, error: `log-error: ${logError}` } : { code, signal });
      });
    });
    const pid = child.pid;
    if (pid === undefined) return { exit, pgid: () => undefined };
    const start = processStart(pid, true) ?? '0';
    // Node cannot hold the command back until this is written: it follows the exec at once.
    fs.appendFileSync(req.record, `PGID=${pid}\nPGID_START=${start}\n`);
    return { exit, pgid: () => pid };
  }

  close(): void {}
}

/** Why a log file that exists cannot be appended to (it is created later, on the first byte). */
function unwritableLog(file: string): string | undefined {
  try {
    fs.closeSync(fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND));
    return undefined;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return err.code === 'ENOENT' ? undefined : `open ${file}: ${err.code ?? err.message}`;
  }
}

/** Copies one output stream of a task to the pane and to its log file, created on the first byte. */
class Tee {
  private fd?: number;
  private lastData = 0;
  private done = false;
  private closed: Promise<void>;
  /** Why the log could not be written. */
  error?: string;

  constructor(private from: Readable, private file: string, private pane: NodeJS.WritableStream) {
    from.on('data', (chunk: Buffer) => this.write(chunk));
    this.closed = new Promise((resolve) => from.on('close', resolve));
  }

  private write(chunk: Buffer): void {
    if (this.done) return;
    this.lastData = Date.now();
    if (this.fd === undefined && !this.error) {
      try {
        this.fd = fs.openSync(this.file, 'a', 0o600);
      } catch (e) {
        this.error = `open ${this.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
      }
    }
    if (this.fd !== undefined) {
      try {
        fs.writeSync(this.fd, chunk);
      } catch (e) {
        this.error ??= `write ${this.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
      }
    }
    this.pane.write(chunk);
  }

  /**
   * After the command has exited (and its group was killed): copy what is still coming. A process
   * that left the group may hold the pipe open, so stop once it is quiet for 50 ms, or after 2 s.
   */
  async finish(): Promise<void> {
    const until = Date.now() + 2000;
    let open = true;
    void this.closed.then(() => (open = false));
    while (open && Date.now() < until) {
      const before = this.lastData;
      await Promise.race([this.closed, new Promise((r) => setTimeout(r, 50))]);
      if (open && this.lastData === before) break;
    }
    this.close();
  }

  close(): void {
    this.done = true;
    this.from.destroy();
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

/** A task that never got a process: it ends at once, with `error` as its REASON. */
const notStarted = (error: string): Launched => ({ exit: Promise.resolve({ code: null, signal: null, error }), pgid: () => undefined });
