/**
 * The server's event log: every change the server sees (a task, worker or agent changing state)
 * gets an ID `<boot>-<seq>` and goes to each subscriber (the SSE streams). The last events are
 * kept so that a client that reconnects with `Last-Event-ID` gets what it missed; one whose ID is
 * from another run of the server, or too old, is told to `reset` (reload its state).
 */

/** What an event is about. */
export type EventType = 'task' | 'worker' | 'agent';

export interface OrcEvent {
  id: string;
  type: EventType;
  /** The event's data with `at` (when the server saw the change), as the JSON sent to clients: serialized once, kept compact. */
  json: string;
}

/** Replayed events, or `reset` when the client's ID cannot be resumed from. */
export type Since = { kind: 'events'; events: OrcEvent[] } | { kind: 'reset' };

export class EventLog {
  private readonly boot = Date.now().toString(36);
  private seq = 0;
  private kept: OrcEvent[] = [];
  private readonly subscribers = new Set<(e: OrcEvent) => void>();

  constructor(private readonly keep = 10_000) {}

  /** The ID of the last event (or `<boot>-0`): where a new client starts. */
  lastId(): string {
    return `${this.boot}-${this.seq}`;
  }

  publish(type: EventType, data: Record<string, unknown>): OrcEvent {
    const e: OrcEvent = { id: `${this.boot}-${++this.seq}`, type, json: JSON.stringify({ ...data, at: new Date().toISOString() }) };
    this.kept.push(e);
    if (this.kept.length > this.keep * 1.5) this.kept = this.kept.slice(-this.keep);
    for (const s of this.subscribers) s(e);
    return e;
  }

  /** The events after `id`. */
  since(id: string): Since {
    const m = /^([0-9a-z]+)-(\d+)$/.exec(id.trim());
    if (!m || m[1] !== this.boot) return { kind: 'reset' };
    const seq = Number(m[2]);
    if (seq > this.seq) return { kind: 'reset' };
    const first = this.kept.length ? seqOf(this.kept[0]) : this.seq + 1;
    if (seq < first - 1) return { kind: 'reset' };
    return { kind: 'events', events: this.kept.slice(seq - first + 1) };
  }

  subscribe(fn: (e: OrcEvent) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  get clients(): number {
    return this.subscribers.size;
  }
}

const seqOf = (e: OrcEvent): number => Number(e.id.slice(e.id.indexOf('-') + 1));
