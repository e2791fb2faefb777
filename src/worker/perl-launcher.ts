/** The Perl launcher: one small Perl process per worker forks its tasks and copies their output. */
import fs from 'node:fs';
import os from 'node:os';
import { spawn, type ChildProcess } from 'node:child_process';
import { directArgv } from './direct.js';
import type { Exit, Launched, Launcher, LaunchRequest } from './launcher.js';

const signalName = (n: number) =>
  (Object.entries(os.constants.signals).find(([, v]) => v === n)?.[0] ?? `SIG${n}`) as NodeJS.Signals;

/**
 * The Perl side, started as `perl -e PERL <bash> <pane stdout fd> <pane stderr fd>`. A request is
 * `<bytes>\n` then `out\0err\0cwd\0record\0cmd\0argv(\0KEY=value)*` (argv: the words of a plain
 * command, space-separated, or empty: see direct.ts); the reply is one line when the task is
 * over: `exit <code>`, `signal <number>` or `error <why>` (the worker learns the group from the
 * task file when it needs it, so a short task costs it one wake-up, not two).
 *
 * A fork costs what the two processes then write to their shared pages (each written page is
 * copied), so everything that can be done before the fork is: the directory, the environment, the
 * program to exec and the task file are set up in this process. The child only enters its group,
 * appends the group to the task file (so a command never runs without a PGID record), points
 * stdin, stdout and stderr, and execs; a failure is reported through a close-on-exec pipe, read
 * once it has exited.
 * The command's stdout and stderr are pipes that this process copies to the pane and to the log
 * files, each log created on its first byte. Everything is bytes: what Node wrote is what exec gets.
 */
const PERL = String.raw`
use strict;
# Linux's values, not Fcntl.pm, constant.pm or POSIX.pm: those add 0.3, 0.5 and 1.5 MB of memory to
# a process that forks for every task.
sub O_WRONLY () { 1 } sub O_CREAT () { 64 } sub O_APPEND () { 1024 } sub WNOHANG () { 1 }
$| = 1;
# A pane that went away must not take the launcher with it. Caught, not ignored: exec resets a
# caught signal, so the child need not.
$SIG{PIPE} = sub {};
my $exited = 0;        # set by a command's exit, which also interrupts the select below
$SIG{CHLD} = sub { $exited = 1 };
my ($bash, @fds) = @ARGV;
# The pane: written by us, never inherited by a task (a dup above fd 2 is close-on-exec).
my @pane = map { my ($fd, $fh); open($fd, '>&=', $_) && open($fh, '>&', $fd) && close($fd) or die "pane fd $_: $!"; $fh } @fds;
open(my $null, '<', '/dev/null') or die "/dev/null: $!";
opendir(my $home, '.') or die "cwd: $!";
my %base = %ENV;
my $W; # the child's end of the failure pipe

sub fail { syswrite $W, "$_[0]: $!"; exit 126 }

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

# Now in clock ticks since boot (USER_HZ: 100 on Linux), so no later than the start time of a
# child forked next. Read here, not in the child from /proc/self/stat: what the child does before
# its exec costs most (every page it writes is copied), and the group only needs a lower bound.
my $uptime;
open($uptime, '<', '/proc/uptime') or $uptime = undef;
sub since {
  $uptime && sysseek($uptime, 0, 0) && sysread($uptime, my $text, 64) or return 0;
  my ($s, $cs) = $text =~ /^(\d+)\.(\d\d)/;
  $s * 100 + $cs;
}

# A log that exists must be writable now (it is created later, on the task's first output).
sub unwritable {
  my $file = shift;
  return undef unless -e $file;
  sysopen(my $fh, $file, O_WRONLY | O_APPEND) ? undef : "open $file: $!";
}

# Variables that make bash do more than exec the program (direct.ts): read a file first, set
# options, define functions. The worker's own are looked at once, a task's with each task.
my $BASHY = qr/^(BASH_ENV|SHELLOPTS|BASHOPTS)$|^BASH_FUNC_/;
my $bashy = grep { /$BASHY/ } keys %base;
my ($path_seen, @path_dirs); # the PATH last searched, split

# For the words of a plain command (direct.ts), in its directory and environment: the program
# bash would exec, with the variables bash would set; undef when bash had better run the line.
sub plain_program {
  my ($prog, @task_keys) = @_;
  return undef if $bashy || grep { /$BASHY/ } @task_keys;
  my $path = $prog =~ m{/} ? $prog : undef;
  if (!defined $path) {
    my $p = $ENV{PATH} // '';
    ($path_seen, @path_dirs) = ($p, map { length ? $_ : '.' } split /:/, $p, -1) unless defined $path_seen && $p eq $path_seen;
    for (@path_dirs) { $path = "$_/$prog"; last if -f $path && -x _; undef $path }
  }
  return undef if !defined $path;
  return undef if defined $ENV{OLDPWD} && !-d $ENV{OLDPWD};
  return undef if ($ENV{SHLVL} //= 0) !~ /^\d{1,3}$/ || $ENV{SHLVL} >= 999;
  my @here = stat '.';
  my @pwd = defined $ENV{PWD} ? stat $ENV{PWD} : ();
  $ENV{PWD} = readlink '/proc/self/cwd' unless @pwd && $pwd[0] == $here[0] && $pwd[1] == $here[1];
  $ENV{_} = $path;
}

# Put the worker's environment back after a fork: only the variables a task set, and those
# plain_program sets, changed (setting those few, not ~70 under npm, for every task).
sub restore_env {
  for (@_) { exists $base{$_} ? ($ENV{$_} = $base{$_}) : delete $ENV{$_} }
}

while (defined(my $len = <STDIN>)) {
  chomp $len;
  (read(STDIN, my $req, $len) // 0) == $len or last;
  my ($out, $err, $cwd, $record, $cmd, $direct, @env) = split /\0/, $req, -1;
  if (my $why = unwritable($out) // unwritable($err)) { print "error spawn-error: $why\n"; next }
  sysopen(my $rec, $record, O_WRONLY | O_APPEND) or do { print "error spawn-error: record $record: $!\n"; next };
  my $since = since();
  if (length $cwd && !chdir $cwd) { print "error spawn-error: cd $cwd: $!\n"; next }
  my %task = map { split /=/, $_, 2 } @env;
  @ENV{keys %task} = values %task;
  my @set = (keys %task, qw(PWD _ SHLVL));
  my @argv = split / /, $direct;
  my $path = @argv ? plain_program($argv[0], keys %task) : undef;
  pipe(my $r, $W) && pipe(my $out_r, my $out_w) && pipe(my $err_r, my $err_w) or do { chdir $home; restore_env(@set); print "error spawn-error: pipe: $!\n"; next };
  my $pid = fork;
  if ($pid == 0) {
    setpgrp(0, 0);
    syswrite($rec, "PGID=$$\nPGID_START=$since\n") or fail("record $record");
    open(STDIN, '<&', $null) && open(STDOUT, '>&', $out_w) && open(STDERR, '>&', $err_w) or fail('dup');
    no warnings;
    exec { $path } @argv if defined $path;
    exec { $bash } 'bash', '-c', $cmd;
    fail("exec $bash");
  }
  chdir $home if length $cwd;
  restore_env(@set);
  if (!defined $pid) { print "error spawn-error: fork: $!\n"; next }
  close $_ for $W, $out_w, $err_w, $rec;

  # Copy the output until the command has exited and its pipes are closed. Its leftovers in the
  # group are killed when it exits; a process that left the group may hold a pipe open, so after
  # the exit we read only while output keeps coming, for at most two seconds.
  my @pipe = ($out_r, $err_r);
  my @file = ($out, $err);
  my (@log, @tried, $status, $ended, $logerr);
  while (grep { $_ } @pipe) {
    my $rin = '';
    vec($rin, fileno $pipe[$_], 1) = 1 for grep { $pipe[$_] } 0, 1;
    my $n = select(my $rout = $rin, undef, undef, defined $status ? 0.05 : 1);
    for my $i (grep { $n > 0 && $pipe[$_] && vec($rout, fileno $pipe[$_], 1) } 0, 1) {
      my $got = sysread($pipe[$i], my $buf, 65536);
      next if !defined $got && $!{EINTR};
      if (!$got) { close $pipe[$i]; $pipe[$i] = undef; next }
      if (!$tried[$i]++ && !sysopen($log[$i], $file[$i], O_WRONLY | O_APPEND | O_CREAT, 0600)) {
        $logerr //= "open $file[$i]: $!";
        $log[$i] = undef;
      }
      put($log[$i], $buf) or $logerr //= "write $file[$i]: $!" if $log[$i];
      put($pane[$i], $buf) or $pane[$i] = undef if $pane[$i];
    }
    last if defined $status && ($n == 0 || time > $ended);
    # A check after a quiet second or a SIGCHLD: a leftover that keeps writing never hides the exit.
    if (($n <= 0 || $exited) && !defined $status) {
      $exited = 0;
      if (waitpid($pid, WNOHANG) == $pid) { ($status, $ended) = ($?, time + 2); kill 'KILL', -$pid }
    }
  }
  if (!defined $status) { waitpid($pid, 0); $status = $? }
  kill 'KILL', -$pid;
  # The child is gone: what it wrote here is why it could not exec (nothing, once it did).
  sysread($r, my $why, 4096);
  if (length($why //= '')) { $why =~ s/\n/ /g; print "error spawn-error: $why\n"; next }
  print defined $logerr ? "error log-error: $logerr\n" : $status & 127 ? 'signal ' . ($status & 127) . "\n" : 'exit ' . ($status >> 8) . "\n";
}
`;

/** One long-lived Perl process per worker, one task at a time. */
export class PerlLauncher implements Launcher {
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
    // The task appends its group after what the file holds now; only that part is read for it.
    const from = fs.statSync(req.record, { throwIfNoEntry: false })?.size ?? 0;
    child.stdin!.write(Buffer.concat([Buffer.from(`${body.length}\n`), body]));
    const exit = this.reply().then((line): Exit => {
      const e = line && /^(exit|signal) (\d+)$/.exec(line);
      if (line?.startsWith('error ')) return { code: null, signal: null, error: line.slice(6) };
      if (!e) return { code: null, signal: null, error: this.died ?? `launcher-died: unexpected reply ${JSON.stringify(line)}` };
      return e[1] === 'exit' ? { code: Number(e[2]), signal: null } : { code: null, signal: signalName(Number(e[2])) };
    });
    return { exit, pgid: () => recordedGroup(req.record, from) };
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

/** The `PGID=` a task appended to its file after byte `from`, if it has. */
function recordedGroup(record: string, from: number): number | undefined {
  let text: string;
  try {
    const fd = fs.openSync(record, 'r');
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
