/**
 * Starting task processes. A task is `bash -c CMD` (or, for a line of plain words, its program
 * exec'd directly: direct.ts) in a process group of its own, stdin from /dev/null, its variables
 * on top of the worker's environment. Its stdout and stderr are pipes,
 * copied as they come to the pane and to its log files; a log file is created on the first byte
 * of its stream, so a task that prints nothing leaves no empty files behind.
 *
 * Forking from Node is what limited a drain: `child_process.spawn` costs a worker ~3 ms per task
 * here (fork copies the page tables of a ~80 MB process, and spawn waits for the exec), half of
 * task-spooler's rate with 4 workers. So each worker keeps one small Perl process that forks its
 * tasks and copies their output (perl-base is part of every Debian and Ubuntu system; Perl was
 * chosen over a bash loop because it reports an exit code and a signal apart). Where there is no
 * `perl`, with TMUX_ORC_LAUNCHER=node, or when the pane is not a file descriptor, tasks are
 * spawned from Node, which copies their output itself.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { processStart, signalGroup } from '../queue/proc.js';
import { directArgv } from './direct.js';

export interface LaunchRequest {
  cmd: string;
  cwd?: string;
  /** Set on top of the worker's environment. */
  env: Array<[string, string]>;
  /** Log files, appended to (created 0600 on the stream's first byte). */
  out: string;
  err: string;
  /** The task file: `PGID=` and `PGID_START=` are appended to it before the command runs. */
  record: string;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /**
   * The task's REASON when there is no exit to report: it could not exec (`spawn-error: …`), its
   * output could not be logged (`log-error: …`), or its launcher died (`launcher-died: …`).
   */
  error?: string;
}

/** A started task, or why it could not be started (`spawn-error: …`, as the task's REASON). */
export type Launched = { pid: number; exit: Promise<Exit> } | { error: string };

/**
 * Starts tasks, one at a time. When a task's command exits, the launcher kills whatever is left
 * in its process group, copies the output still in its pipes, then reports the exit.
 */
export interface Launcher {
  launch(req: LaunchRequest): Promise<Launched>;
  close(): void;
}

/** Where a task's output is shown as it comes: the worker's pane. */
export interface Pane {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

/** The launcher for a worker: Perl when it is installed and the pane has file descriptors, unless TMUX_ORC_LAUNCHER=node. */
export function createLauncher(pane: Pane, env = process.env): Launcher {
  const wanted = env.TMUX_ORC_LAUNCHER;
  // bash is looked up once, on the worker's PATH, not on every task's.
  const bash = which('bash', env.PATH) ?? 'bash';
  const fds = [pane.out, pane.err].map((s) => (s as { fd?: unknown }).fd);
  const perl = wanted !== 'node' && (wanted === 'perl' || which('perl', env.PATH)) && fds.every((fd) => typeof fd === 'number');
  return perl ? new PerlLauncher(bash, fds as number[]) : new NodeLauncher(bash, pane);
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
  const fields: Array<[string, string]> = [['CMD', req.cmd], ['CWD', req.cwd ?? ''], ['record', req.record], ...req.env.map(([k, v]): [string, string] => [`ENV ${k}`, `${k}${v}`])];
  return fields.find(([, v]) => v.includes('\0'))?.[0];
}

const signalName = (n: number) =>
  (Object.entries(os.constants.signals).find(([, v]) => v === n)?.[0] ?? `SIG${n}`) as NodeJS.Signals;

/**
 * The Perl side, started as `perl -e PERL <bash> <pane stdout fd> <pane stderr fd>`. A request is
 * `<bytes>\n` then `out\0err\0cwd\0record\0cmd\0argv(\0KEY=value)*` (argv: the words of a plain
 * command, space-separated, or empty: see direct.ts); the replies are lines: `pid <pid>`
 * (or `error <why>`), then `exit <code>`, `signal <number>` or `error <why>`. The child appends
 * its group to the task file before it execs (so a command never runs without a PGID record), and
 * reports a failure before exec (record, cwd, bash) through a close-on-exec pipe, read once it
 * has exited. The command's stdout and stderr are pipes that the parent copies to the pane and to the log files,
 * each log created on its first byte. Everything is bytes: what Node wrote is what exec gets.
 */
const PERL = String.raw`
use strict;
use Fcntl qw(O_WRONLY O_APPEND O_CREAT F_SETFD FD_CLOEXEC);
use POSIX qw(WNOHANG);
$| = 1;
$SIG{PIPE} = 'IGNORE'; # a pane that went away must not take the launcher with it
my ($bash, @fds) = @ARGV;
# The pane: written by us, never inherited by a task.
my @pane = map { open(my $fh, '>&=', $_) or die "pane fd $_: $!"; fcntl($fh, F_SETFD, FD_CLOEXEC); $fh } @fds;

# Write all of $buf, waiting out a non-blocking descriptor; false on any other error.
sub put {
  my ($fh, $buf) = @_;
  for (my $off = 0; $off < length $buf;) {
    my $n = syswrite($fh, $buf, length($buf) - $off, $off);
    if (defined $n) { $off += $n; next }
    return 0 unless $!{EAGAIN} || $!{EINTR};
    my $win = '';
    vec($win, fileno($fh), 1) = 1;
    select(undef, $win, undef, 1);
  }
  1;
}

# A log that exists must be writable now (it is created later, on the task's first output).
sub unwritable {
  my $file = shift;
  return undef unless -e $file;
  sysopen(my $fh, $file, O_WRONLY | O_APPEND) ? undef : "open $file: $!";
}

# A line of plain words (direct.ts): exec its program as bash would, with the variables bash
# would set; return when bash had better run it (not found, or bash would act differently).
sub exec_plain {
  my @argv = @_;
  my $prog = $argv[0];
  my ($path) = $prog =~ m{/} ? ($prog) : grep { -f && -x _ } map { (length ? $_ : '.') . "/$prog" } split /:/, $ENV{PATH} // '', -1;
  return if !defined $path || grep { /^(BASH_ENV|SHELLOPTS|BASHOPTS)$|^BASH_FUNC_/ } keys %ENV;
  return if defined $ENV{OLDPWD} && !-d $ENV{OLDPWD};
  return if ($ENV{SHLVL} //= 0) !~ /^\d{1,3}$/ || $ENV{SHLVL} >= 999;
  my @here = stat '.';
  my @pwd = defined $ENV{PWD} ? stat $ENV{PWD} : ();
  $ENV{PWD} = readlink '/proc/self/cwd' unless @pwd && $pwd[0] == $here[0] && $pwd[1] == $here[1];
  $ENV{_} = $path;
  { no warnings; exec { $path } @argv; }
}

while (defined(my $len = <STDIN>)) {
  chomp $len;
  (read(STDIN, my $req, $len) // 0) == $len or last;
  my ($out, $err, $cwd, $record, $cmd, $direct, @env) = split /\0/, $req, -1;
  if (my $why = unwritable($out) // unwritable($err)) { print "error spawn-error: $why\n"; next }
  pipe(my $r, my $w) && pipe(my $out_r, my $out_w) && pipe(my $err_r, my $err_w) or do { print "error spawn-error: pipe: $!\n"; next };
  my $pid = fork;
  if (!defined $pid) { print "error spawn-error: fork: $!\n"; next }
  if ($pid == 0) {
    close $_ for $r, $out_r, $err_r;
    @SIG{qw(PIPE CHLD)} = ('DEFAULT', 'DEFAULT');
    my $fail = sub { syswrite $w, "$_[0]: $!"; POSIX::_exit(126) };
    # The group is in the task file before the command can run, so a stale check can always find it.
    setpgrp(0, 0);
    my $start = '';
    if (open(my $st, '<', '/proc/self/stat')) { my $s = <$st>; $start = (split ' ', substr($s, rindex($s, ')') + 2))[19] // '' }
    my $rec;
    sysopen($rec, $record, O_WRONLY | O_APPEND) && syswrite($rec, "PGID=$$\nPGID_START=$start\n") && close($rec) or $fail->("record $record");
    open(STDIN, '<', '/dev/null') or $fail->('open /dev/null');
    open(STDOUT, '>&', $out_w) && open(STDERR, '>&', $err_w) or $fail->('dup');
    !length $cwd or chdir $cwd or $fail->("cd $cwd");
    for (@env) { my ($k, $v) = split /=/, $_, 2; $ENV{$k} = $v }
    exec_plain(split / /, $direct) if length $direct;
    { no warnings; exec { $bash } 'bash', '-c', $cmd; }
    $fail->("exec $bash");
  }
  close $_ for $w, $out_w, $err_w;
  setpgrp($pid, $pid); # as the child does: the group exists before we name it
  print "pid $pid\n";

  # Copy the output until the command has exited and its pipes are closed. Its leftovers in the
  # group are killed when it exits; a process that left the group may hold a pipe open, so after
  # the exit we read only while output keeps coming, for at most two seconds.
  my @streams = ({ pipe => $out_r, file => $out, pane => $pane[0] }, { pipe => $err_r, file => $err, pane => $pane[1] });
  my ($status, $ended, $logerr);
  local $SIG{CHLD} = sub {}; # its exit interrupts the select below
  while (my @open = grep { $_->{pipe} } @streams) {
    my $rin = '';
    vec($rin, fileno($_->{pipe}), 1) = 1 for @open;
    my $n = select(my $rout = $rin, undef, undef, defined $status ? 0.05 : 1);
    for my $s (grep { $n > 0 && vec($rout, fileno($_->{pipe}), 1) } @open) {
      my $got = sysread($s->{pipe}, my $buf, 65536);
      next if !defined $got && $!{EINTR};
      if (!$got) { close $s->{pipe}; $s->{pipe} = undef; next }
      if (!$s->{tried}++ && !sysopen($s->{log}, $s->{file}, O_WRONLY | O_APPEND | O_CREAT, 0600)) {
        $logerr //= "open $s->{file}: $!";
        delete $s->{log};
      }
      put($s->{log}, $buf) or $logerr //= "write $s->{file}: $!" if $s->{log};
      put($s->{pane}, $buf) or $s->{pane} = undef if $s->{pane};
    }
    last if defined $status && ($n == 0 || time > $ended);
    if (!defined $status && waitpid($pid, WNOHANG) == $pid) { ($status, $ended) = ($?, time + 2); kill 'KILL', -$pid }
  }
  if (!defined $status) { waitpid($pid, 0); $status = $? }
  kill 'KILL', -$pid;
  # The child is gone: what it wrote here is why it could not exec (nothing, once it did).
  my $why = do { local $/; <$r> } // '';
  if (length $why) { $why =~ s/\n/ /g; print "error spawn-error: $why\n"; next }
  print defined $logerr ? "error log-error: $logerr\n" : $status & 127 ? 'signal ' . ($status & 127) . "\n" : 'exit ' . ($status >> 8) . "\n";
}
`;

/** One long-lived Perl process per worker, one task at a time. */
class PerlLauncher implements Launcher {
  /** `paneFds`: the worker's stdout and stderr, which the Perl process writes the tasks' output to. */
  constructor(private bash: string, private paneFds: number[]) {}
  private child?: ChildProcess;
  private replies: string[] = [];
  private waiting: Array<(line: string | undefined) => void> = [];
  private died?: string;

  private start(): ChildProcess {
    // Its own session: C-c in the pane is for the worker, not for the launcher.
    const child = spawn('perl', ['-e', PERL, this.bash, '3', '4'], { detached: true, stdio: ['pipe', 'pipe', 'inherit', ...this.paneFds] });
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
    const body = Buffer.from([req.out, req.err, req.cwd ?? '', req.record, req.cmd, directArgv(req.cmd)?.join(' ') ?? '', ...req.env.map(([k, v]) => `${k}=${v}`)].join('\0'));
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
  constructor(private bash: string, private pane: Pane) {}

  async launch(req: LaunchRequest): Promise<Launched> {
    const unwritable = unwritableLog(req.out) ?? unwritableLog(req.err);
    if (unwritable) return { error: `spawn-error: ${unwritable}` };
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
    if (child.pid === undefined) return { error: (await exit).error! };
    const start = processStart(child.pid, true) ?? '0';
    // Node cannot hold the command back until this is written: it follows the exec at once.
    fs.appendFileSync(req.record, `PGID=${child.pid}\nPGID_START=${start}\n`);
    return { pid: child.pid, exit };
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
