/**
 * What the worker needs from whatever starts its tasks: hold a claimed task and run it. The
 * tree's claims need a process that can hold a kernel lock (Node has no flock), so the one
 * implementation is the Perl launcher (perl-launcher.ts, launcher.pl); unit tests pass a fake.
 */

export interface LaunchRequest {
  /** Written to the pane once the claim record has landed, before the command runs. */
  banner: string;
  /** The held task file (where its process group is read from). */
  file: string;
  /** The claim record, appended (with the task's process group) before the command runs. */
  record: string;
  cmd: string;
  cwd?: string;
  /** Set on top of the worker's environment. */
  env: Array<[string, string]>;
  /** Log files, appended to (created 0600 on the stream's first byte, never through a symlink). */
  out: string;
  err: string;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /**
   * Why there is no exit to report: the task could not start (`spawn-error: …`), its claim record
   * did not land, so it never ran (`no-space: …`, `no-record: …`), its output could not be logged (`log-error: …`),
   * or its launcher died (`launcher-died: …`).
   */
  error?: string;
  /** The launcher's lease lapsed and the task was taken over: it was killed; touch nothing. */
  lost?: boolean;
}

/** A launched task: how it ended, and its process group once recorded. */
export interface Launched {
  exit: Promise<Exit>;
  /** The task's process group, once its record has landed; undefined before that or when it never started. */
  pgid(): number | undefined;
}

/**
 * How a claim attempt went. `bad`: the file must not be run (quarantine it); `busy`: locked by
 * someone else; `waiting`: need number `need` (a group slot or a named lock) is not free now, so
 * the task was left queued.
 */
export type ClaimReply =
  | { kind: 'claimed' } | { kind: 'gone' } | { kind: 'busy' } | { kind: 'waiting'; need: number } | { kind: 'bad'; reason: string } | { kind: 'error'; reason: string };

/** Holds claimed task files: the claim is taken and kept under a kernel lock. */
export interface Holder {
  /**
   * Lock the queued file `from` and rename it to `to`. `needs` (groups and named locks, issue 18):
   * `slots LIMIT DIR` or `lock ex|sh FILE`, all taken before the rename and held with the task.
   */
  claim(from: string, to: string, needs?: string[]): Promise<ClaimReply>;
  /** Drop the held task (after it was settled, or put back). */
  release(): void;
  /** False once the launcher died (until it is started again): what it held is held by nobody. */
  alive?(): boolean;
}

/** Starts the held task; when its command exits, kills what is left in its group and reports. */
export interface Launcher extends Holder {
  launch(req: LaunchRequest): Promise<Launched>;
  /** Which launcher this is, for the worker's ready line. */
  readonly name: string;
  close(): void;
}

/** Fields travel NUL-separated, so no field may hold a NUL (no argv or environment can either). */
export function nulIn(req: LaunchRequest): string | undefined {
  const fields: Array<[string, string]> = [['CMD', req.cmd], ['CWD', req.cwd ?? ''], ...req.env.map(([k, v]): [string, string] => [`ENV ${k}`, `${k}${v}`])];
  return fields.find(([, v]) => v.includes('\0'))?.[0];
}
