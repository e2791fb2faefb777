/**
 * Task output on the Redis backend: the worker's launcher writes each stream to a local log as on
 * the tree, and a shipper copies what is new to Redis every few hundred milliseconds and once more
 * when the task ends, so `tasks-tail` (and `-f`) work from any host. A log kept in Redis is
 * bounded: past LOG_MAX bytes its middle is dropped, with one line saying how much, so the end
 * of a long build is always there.
 */
import fs from 'node:fs';
import { copyNew, type Followed } from '../queue/tail.js';
import type { Conn } from './queue.js';

export const LOG_MAX = 4 * 1024 * 1024;
const KEEP_HEAD = LOG_MAX / 4;

const key = (k: Conn, id: string, stream: 'out' | 'err') => k.key(`log:${id}:${stream}`);
/** Where a cut log's marker is: `head` (its first bytes, kept), `tail` (where what follows the marker starts), `dropped` (output bytes dropped in all). */
const cutKey = (k: Conn, id: string, stream: 'out' | 'err') => k.key(`log:${id}:${stream}:cut`);

interface Cut {
  head: number;
  tail: number;
  dropped: number;
}

const cutOf = (h: Record<string, string>): Cut | undefined => (h.tail ? { head: Number(h.head), tail: Number(h.tail), dropped: Number(h.dropped) } : undefined);
/** The output offset of a stored offset. */
const logical = (off: number, cut?: Cut) => (cut && off >= cut.tail ? off - cut.tail + cut.head + cut.dropped : off);

/** The keys of a task's logs (removed with the task). */
export const logKeys = (k: Conn, id: string): string[] => (['out', 'err'] as const).flatMap((s) => [key(k, id, s), cutKey(k, id, s)]);

/** What a log holds in Redis from byte `from` on ('' when nothing). */
export async function readLog(k: Conn, id: string, stream: 'out' | 'err', from: number): Promise<string> {
  const buf = await k.client.getrangeBuffer(key(k, id, stream), from, -1);
  return buf.toString('utf8');
}

/** A follower of a log in Redis (`tasks-tail -f`): how much of the output it has shown. */
export interface LogReader {
  stream: 'out' | 'err';
  /** Output bytes shown (dropped ones counted as shown: a note said so). */
  seen: number;
  /** Whether what was shown last ended a line. */
  nl: boolean;
}

/** Start following at the log's end: what it holds now, and a reader past it. */
export async function followFrom(k: Conn, id: string, stream: 'out' | 'err'): Promise<{ text: string; reader: LogReader }> {
  const [[, h], [, buf]] = (await k.client.multi().hgetall(cutKey(k, id, stream)).getrangeBuffer(key(k, id, stream), 0, -1).exec()) as [[null, Record<string, string>], [null, Buffer]];
  return { text: buf.toString('utf8'), reader: { stream, seen: logical(buf.length, cutOf(h)), nl: true } };
}

/**
 * What was written since the reader's last look, as bytes; through a cut made meanwhile, a note
 * says how much was dropped (the stored log and its cut are read together, in one transaction).
 */
export async function readNew(k: Conn, id: string, r: LogReader): Promise<Buffer> {
  for (let i = 0; ; i++) {
    const cut = cutOf(await k.client.hgetall(cutKey(k, id, r.stream)));
    let off = r.seen;
    let note = '';
    if (cut && r.seen > cut.head) {
      off = r.seen - cut.head - cut.dropped + cut.tail;
      if (off < cut.tail) {
        note = `${r.nl ? '' : '\n'}[tmux-orc: ${cut.tail - off} more bytes dropped here while following]\n`;
        off = cut.tail;
      }
    }
    const [[, h], [, buf]] = (await k.client.multi().hgetall(cutKey(k, id, r.stream)).getrangeBuffer(key(k, id, r.stream), off, -1).exec()) as [[null, Record<string, string>], [null, Buffer]];
    const now = cutOf(h);
    if (now?.tail !== cut?.tail || now?.dropped !== cut?.dropped) {
      if (i < 5) continue; // cut again between the two reads: look again
    }
    if (buf.length) r.nl = buf[buf.length - 1] === 0x0a;
    r.seen = Math.max(r.seen, logical(off + buf.length, now));
    return note ? Buffer.concat([Buffer.from(note), buf]) : buf;
  }
}

/**
 * Copies a task's local logs to Redis as they grow (through the launcher's own cuts of them,
 * task_log_max). It has no timer of its own: its worker ships at each tick of the task it holds
 * (a timer made and cleared per task costs more than a drain of `true` can spare).
 */
export class Shipper {
  private local: Record<'out' | 'err', Followed>;
  private inFlight: Promise<void> | undefined;
  private stopped = false;

  constructor(private k: Conn, private id: string, files: { out: string; err: string }) {
    this.local = { out: { file: files.out, seen: 0, last: 0 }, err: { file: files.err, seen: 0, last: 0 } };
  }

  /** Ship what is new, unless a ship is under way (a slow Redis): the next look takes it all. */
  look(): void {
    if (this.inFlight || this.stopped) return;
    this.inFlight = this.shipNow()
      .catch(() => {}) // not shipped: again at the next look
      .finally(() => (this.inFlight = undefined));
  }

  /** Ship the rest and stop. */
  async end(): Promise<void> {
    await this.inFlight;
    if (!this.stopped) await this.shipNow().catch(() => {});
    this.stopped = true;
  }

  /** Stop shipping, the rest unsent (a lost task records nothing). */
  stop(): void {
    this.stopped = true;
  }

  private async shipNow(): Promise<void> {
    for (const s of ['out', 'err'] as const) {
      const r = this.local[s];
      // A log that is still empty (most looks at a quiet task, and every look at one that prints
      // nothing) costs one lstat rather than an open, a read of its size and a close.
      if (r.last === 0 && !(fs.lstatSync(r.file, { throwIfNoEntry: false })?.size)) continue;
      const before = { ...r };
      const chunks: Buffer[] = [];
      copyNew(r, (b) => chunks.push(b));
      try {
        for (const chunk of chunks) await this.append(s, chunk);
      } catch (err) {
        Object.assign(r, before); // not shipped: again at the next look
        throw err;
      }
    }
  }

  private async append(s: 'out' | 'err', chunk: Buffer): Promise<void> {
    const k = this.k;
    const len = await k.client.append(key(k, this.id, s), chunk);
    if (len <= LOG_MAX) return;
    // Over the bound: keep the head and the last part, and say what was dropped between them.
    const cut = cutOf(await k.client.hgetall(cutKey(k, this.id, s)));
    let from = len - LOG_MAX / 2;
    const head = await k.client.getrangeBuffer(key(k, this.id, s), 0, KEEP_HEAD - 1);
    let tail = await k.client.getrangeBuffer(key(k, this.id, s), from, -1);
    // The tail starts at a line: after the first newline in its first 64 KiB, if there is one.
    const nl = tail.subarray(0, 65536).indexOf(0x0a);
    if (nl >= 0 && nl + 1 < tail.length) {
      tail = tail.subarray(nl + 1);
      from += nl + 1;
    }
    const dropped = logical(from, cut) - KEEP_HEAD;
    const marker = Buffer.from(`${head[head.length - 1] === 0x0a ? '' : '\n'}[tmux-orc: ${dropped} bytes of output dropped here]\n`);
    await k.client.multi()
      .set(key(k, this.id, s), Buffer.concat([head, marker, tail]))
      .hset(cutKey(k, this.id, s), 'head', KEEP_HEAD, 'tail', KEEP_HEAD + marker.length, 'dropped', dropped)
      .exec();
  }
}
