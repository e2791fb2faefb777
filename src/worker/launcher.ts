/**
 * Starting task processes. A task is `bash -c CMD` in a process group of its own, stdin from
 * /dev/null, stdout and stderr appended to its log files, its variables on top of the worker's
 * environment.
 *
 * Forking from Node is what limited a drain: `child_process.spawn` costs a worker ~3 ms per task
 * here (fork copies the page tables of a ~80 MB process, and spawn waits for the exec), half of
 * task-spooler's rate with 4 workers. So each worker keeps one small Perl process that forks its
 * tasks (perl-base is part of every Debian and Ubuntu system; Perl was chosen over a bash loop
 * because it reports an exit code and a signal apart). Where there is no `perl`, or with
 * TMUX_ORC_LAUNCHER=node, tasks are spawned from Node as before.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { processStart, signalGroup } from '../queue/proc.js';

export interface LaunchRequest {
  cmd: string;
  cwd?: string;
  /** Set on top of the worker's environment. */
  env: Array<[string, string]>;
  /** Log files, appended to (created 0600 if missing). */
  out: string;
  err: string;
  /** The task file: `PGID=` and `PGID_START=` are appended to it before the command runs. */
  record?: string;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** It could not exec (`spawn-error: …`), or its launcher died before reporting its end: the task's REASON. */
  error?: string;
}

/** A started task, or why it could not be started (`spawn-error: …`, as the task's REASON). */
export type Launched = { pid: number; exit: Promise<Exit> } | { error: string };

/**
 * Starts tasks, one at a time. When a task's command exits, the launcher kills whatever is left
 * in its process group, then reports the exit.
 */
export interface Launcher {
  launch(req: LaunchRequest): Promise<Launched>;
  close(): void;
}

/** The launcher for a worker: Perl when it is installed, unless TMUX_ORC_LAUNCHER=node. */
export function createLauncher(env = process.env): Launcher {
  const wanted = env.TMUX_ORC_LAUNCHER;
  // bash is looked up once, on the worker's PATH, not on every task's.
  const bash = which('bash', env.PATH) ?? 'bash';
  return wanted !== 'node' && (wanted === 'perl' || which('perl', env.PATH)) ? new PerlLauncher(bash) : new NodeLauncher(bash);
}

function which(bin: string, pathVar = ''): string | undefined {
  for (const dir of pathVar.split(path.delimiter)) {
    const file = path.resolve(dir, bin);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Fields travel NUL-separated, so no field may hold a NUL (no argv or environment can either). */
export function nulIn(req: LaunchRequest): string | undefined {
  const fields: Array<[string, string]> = [['CMD', req.cmd], ['CWD', req.cwd ?? ''], ['record', req.record ?? ''], ...req.env.map(([k, v]): [string, string] => [`ENV ${k}`, `${k}${v}`])];
  return fields.find(([, v]) => v.includes('\0'))?.[0];
}

const signalName = (n: number) =>
  (Object.entries(os.constants.signals).find(([, v]) => v === n)?.[0] ?? `SIG${n}`) as NodeJS.Signals;

/**
 * The Perl side. A request is `<bytes>\n` then `out\0err\0cwd\0record\0cmd(\0KEY=value)*`; the
 * replies are lines: `pid <pid>` (or `error <why>`), then `exit <code>`, `signal <number>` or
 * `error <why>` (the child could not exec). The child waits until the parent has appended its group to the task file
 * (so a command never runs without a PGID record), and reports a failure before exec (log, cwd,
 * bash) through a close-on-exec pipe, so the parent answers only after the exec. Everything is
 * bytes: what Node wrote is what exec gets.
 */
const PERL = String.raw`
use strict;
use Fcntl qw(O_WRONLY O_APPEND O_CREAT);
$| = 1;
my $bash = shift @ARGV;
while (defined(my $len = <STDIN>)) {
  chomp $len;
  (read(STDIN, my $req, $len) // 0) == $len or last;
  my ($out, $err, $cwd, $record, $cmd, @env) = split /\0/, $req, -1;
  pipe(my $go_r, my $go_w) && pipe(my $r, my $w) or do { print "error spawn-error: pipe: $!\n"; next };
  my $pid = fork;
  if (!defined $pid) { print "error spawn-error: fork: $!\n"; next }
  if ($pid == 0) {
    close $r;
    close $go_w;
    my $fail = sub { syswrite $w, "$_[0]: $!"; exit 126 };
    setpgrp(0, 0);
    sysread($go_r, my $go, 1) or exit 126;
    open(STDIN, '<', '/dev/null') or $fail->('open /dev/null');
    sysopen(STDOUT, $out, O_WRONLY | O_APPEND | O_CREAT, 0600) or $fail->("open $out");
    sysopen(STDERR, $err, O_WRONLY | O_APPEND | O_CREAT, 0600) or $fail->("open $err");
    !length $cwd or chdir $cwd or $fail->("cd $cwd");
    for (@env) { my ($k, $v) = split /=/, $_, 2; $ENV{$k} = $v }
    { no warnings; exec { $bash } 'bash', '-c', $cmd; }
    $fail->("exec $bash");
  }
  close $w;
  close $go_r;
  setpgrp($pid, $pid);
  my $start = '';
  if (open(my $st, '<', "/proc/$pid/stat")) { my $s = <$st>; $start = (split ' ', substr($s, rindex($s, ')') + 2))[19] // '' }
  my ($recorded, $f) = (1);
  $recorded = open($f, '>>', $record) && print($f "PGID=$pid\nPGID_START=$start\n") && close($f) if length $record;
  if (!$recorded) { my $why = "record $record: $!"; kill 'KILL', $pid; waitpid($pid, 0); print "error spawn-error: $why\n"; next }
  print "pid $pid\n";
  { local $SIG{PIPE} = 'IGNORE'; syswrite $go_w, 'g' }
  close $go_w;
  my $why = do { local $/; <$r> } // '';
  close $r;
  if (length $why) { waitpid($pid, 0); $why =~ s/\n/ /g; print "error spawn-error: $why\n"; next }
  waitpid($pid, 0);
  kill 'KILL', -$pid;
  print $? & 127 ? 'signal ' . ($? & 127) . "\n" : 'exit ' . ($? >> 8) . "\n";
}
`;

/** One long-lived Perl process per worker, one task at a time. */
class PerlLauncher implements Launcher {
  constructor(private bash: string) {}
  private child?: ChildProcess;
  private replies: string[] = [];
  private waiting: Array<(line: string | undefined) => void> = [];
  private died?: string;

  private start(): ChildProcess {
    // Its own session: C-c in the pane is for the worker, not for the launcher.
    const child = spawn('perl', ['-e', PERL, this.bash], { detached: true, stdio: ['pipe', 'pipe', 'inherit'] });
    this.died = undefined;
    let tail = '';
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      if (child !== this.child) return; // a dead launcher's last words
      const lines = (tail + text).split('\n');
      tail = lines.pop()!;
      for (const l of lines) this.deliver(l);
    });
    child.stdin!.on('error', () => {}); // a dead launcher is reported by 'exit'
    child.on('error', (err) => this.end(`launcher-died: ${err.message}`));
    child.on('exit', (code, signal) => this.end(`launcher-died: perl ${signal ? `killed by ${signal}` : `exited ${code}`}`));
    return child;
  }

  private end(why: string): void {
    this.died ??= why;
    this.child = undefined;
    for (const w of this.waiting.splice(0)) w(undefined);
  }

  private deliver(line: string): void {
    const w = this.waiting.shift();
    if (w) w(line);
    else this.replies.push(line);
  }

  /** The next reply line, in order; undefined once the launcher is gone. */
  private reply(): Promise<string | undefined> {
    if (this.replies.length) return Promise.resolve(this.replies.shift());
    if (!this.child) return Promise.resolve(undefined);
    return new Promise((r) => this.waiting.push(r));
  }

  async launch(req: LaunchRequest): Promise<Launched> {
    const child = (this.child ??= this.start());
    const body = Buffer.from([req.out, req.err, req.cwd ?? '', req.record ?? '', req.cmd, ...req.env.map(([k, v]) => `${k}=${v}`)].join('\0'));
    child.stdin!.write(Buffer.concat([Buffer.from(`${body.length}\n`), body]));
    const first = await this.reply();
    const m = first && /^pid (\d+)$/.exec(first);
    if (!m) return { error: first?.startsWith('error ') ? first.slice(6) : this.died ?? `launcher-died: unexpected reply ${JSON.stringify(first)}` };
    const exit = this.reply().then((line): Exit => {
      const e = line && /^(exit|signal) (\d+)$/.exec(line);
      if (line?.startsWith('error ')) return { code: null, signal: null, error: line.slice(6) };
      if (!e) return { code: null, signal: null, error: this.died ?? `launcher-died: unexpected reply ${JSON.stringify(line)}` };
      return e[1] === 'exit' ? { code: Number(e[2]), signal: null } : { code: null, signal: signalName(Number(e[2])) };
    });
    return { pid: Number(m[1]), exit };
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

/** Spawning from Node: no extra process, but each spawn costs the worker a fork of itself. */
class NodeLauncher implements Launcher {
  constructor(private bash: string) {}

  async launch(req: LaunchRequest): Promise<Launched> {
    let out: number, err: number;
    try {
      out = fs.openSync(req.out, 'a', 0o600);
    } catch (e) {
      return { error: `spawn-error: open ${req.out}: ${(e as Error).message}` };
    }
    try {
      err = fs.openSync(req.err, 'a', 0o600);
    } catch (e) {
      fs.closeSync(out);
      return { error: `spawn-error: open ${req.err}: ${(e as Error).message}` };
    }
    let child: ChildProcess;
    try {
      child = spawn(this.bash, ['-c', req.cmd], {
        argv0: 'bash',
        cwd: req.cwd, env: { ...process.env, ...Object.fromEntries(req.env) }, detached: true, stdio: ['ignore', out, err],
      });
    } finally {
      fs.closeSync(out);
      fs.closeSync(err);
    }
    const exit = new Promise<Exit>((resolve) => {
      child.on('error', (e) => resolve({ code: null, signal: null, error: `spawn-error: ${e.message}` }));
      child.on('exit', (code, signal) => {
        signalGroup(child.pid!, 'SIGKILL');
        resolve({ code, signal });
      });
    });
    if (child.pid === undefined) return { error: (await exit).error! };
    const start = processStart(child.pid, true) ?? '0';
    // Node cannot hold the command back until this is written: it follows the exec at once.
    if (req.record) fs.appendFileSync(req.record, `PGID=${child.pid}\nPGID_START=${start}\n`);
    return { pid: child.pid, exit };
  }

  close(): void {}
}
