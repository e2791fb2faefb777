/**
 * Task output on the Redis backend: the worker's launcher writes each stream to a local log as on
 * the tree, and a shipper copies what is new to Redis every few hundred milliseconds and once more
 * when the task ends, so `tasks-tail` (and `-f`) work from any host. A log kept in Redis is
 * bounded: past LOG_MAX bytes its middle is dropped, with one line saying how much, so the end
 * of a long build is always there.
 */
import fs from 'node:fs';
import type { Conn } from './queue.js';

export const LOG_MAX = 4 * 1024 * 1024;
const KEEP_HEAD = LOG_MAX / 4;

const key = (k: Conn, id: string, stream: 'out' | 'err') => k.key(`log:${id}:${stream}`);

/** What a log holds in Redis from byte `from` on ('' when nothing). */
export async function readLog(k: Conn, id: string, stream: 'out' | 'err', from: number): Promise<string> {
  const buf = await k.client.getrangeBuffer(key(k, id, stream), from, -1);
  return buf.toString('utf8');
}

/** Copies a task's local logs to Redis as they grow. */
export class Shipper {
  /** How far each local log has been shipped. */
  private pos = { out: 0, err: 0 };
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<void> = Promise.resolve();

  constructor(private k: Conn, private id: string, private files: { out: string; err: string }, everyMs = 250) {
    this.timer = setInterval(() => void this.ship(), everyMs);
  }

  /** Ship what is new; calls never overlap. */
  ship(): Promise<void> {
    this.busy = this.busy.then(() => this.shipNow()).catch(() => {});
    return this.busy;
  }

  /** Ship the rest and stop. */
  async end(): Promise<void> {
    this.stop();
    await this.ship();
  }

  /** Stop shipping, the rest unsent (a lost task records nothing); its timer would keep the worker alive. */
  stop(): void {
    clearInterval(this.timer);
  }

  private async shipNow(): Promise<void> {
    for (const s of ['out', 'err'] as const) {
      let fd: number;
      try {
        fd = fs.openSync(this.files[s], fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
      } catch {
        continue; // not created yet: the task has written nothing to it
      }
      try {
        const size = fs.fstatSync(fd).size;
        while (size > this.pos[s]) {
          const buf = Buffer.alloc(Math.min(size - this.pos[s], 1024 * 1024));
          const n = fs.readSync(fd, buf, 0, buf.length, this.pos[s]);
          if (n === 0) break;
          await this.append(s, buf.subarray(0, n));
          this.pos[s] += n;
        }
      } finally {
        fs.closeSync(fd);
      }
    }
  }

  private async append(s: 'out' | 'err', chunk: Buffer): Promise<void> {
    const k = this.k;
    const len = await k.client.append(key(k, this.id, s), chunk);
    if (len <= LOG_MAX) return;
    // Over the bound: keep the head and the last part, and say what was dropped between them.
    const head = await k.client.getrangeBuffer(key(k, this.id, s), 0, KEEP_HEAD - 1);
    const tail = await k.client.getrangeBuffer(key(k, this.id, s), len - LOG_MAX / 2, -1);
    const dropped = len - head.length - tail.length;
    const marker = Buffer.from(`\n[tmux-orc: ${dropped} bytes of output dropped here]\n`);
    await k.client.set(key(k, this.id, s), Buffer.concat([head, marker, tail]));
  }
}
