# The worker's launcher: one small Perl process per worker that claims its tasks, holds them and
# runs them. perl-launcher.ts starts it and speaks to it; the protocol is described there.
#
# Why Perl: Node has no flock(2), and a task must be held by a kernel lock from before its claim
# until after its settle (DESIGN invariant 3); and forking from this small process costs a
# fraction of a fork of the ~80 MB worker. perl-base is part of every Debian and Ubuntu system.
#
# The claim: the queued file is opened (never through a symlink), checked (a regular file of
# ours, one link, writable by nobody else), locked shared, then renamed into running/. The lock
# moves with the file, so from the first instant in running/ the task is held; recoverers treat
# an unheld running file as abandoned. The lock is kept until the worker says `release` (after it
# has settled the task), so a worker that stops or stalls still holds its task, and a worker that
# dies leaves the lock with this process until the task is over and its result recorded.
#
# Records (the claim record with the task's process group, then the result) are appended through
# the held descriptor in one write each; a write that does not land whole is cut back, so the
# file never holds half a record.
use strict;
no warnings 'once';

# Arguments: bash, the pane's stdout and stderr descriptors, open(2) flag values (this machine's,
# passed in by Node: Fcntl.pm or POSIX.pm would add megabytes to a process that forks for every
# task), the lease in seconds, the signal names by number, and the cap on each log (bytes, 0: none).
my ($bash, $pane_out, $pane_err, $flags, $lease, $signames, $log_max) = @ARGV;
$log_max = 0 + ($log_max // 0);
# (Numbers, not strings: | on two strings is a bitwise or of their characters.)
my ($O_WRONLY, $O_APPEND, $O_CREAT, $O_NOFOLLOW, $O_RDWR, $O_NONBLOCK) = map { 0 + $_ } split /,/, $flags;
my @signame = split /,/, $signames;
sub LOCK_SH () { 1 } sub LOCK_EX () { 2 } sub LOCK_NB () { 4 } sub WNOHANG () { 1 }
$| = 1;
# A pane that went away must not take the launcher with it. Caught, not ignored: exec resets a
# caught signal, so the child need not.
$SIG{PIPE} = sub {};
my $exited = 0;        # set by a command's exit, which also interrupts the select below
$SIG{CHLD} = sub { $exited = 1 };
# The pane: written by us, never inherited by a task (a dup above fd 2 is close-on-exec).
my @pane = map { my ($fd, $fh); open($fd, '>&=', $_) && open($fh, '>&', $fd) && close($fd) or die "pane fd $_: $!"; $fh } $pane_out, $pane_err;
open(my $null, '<', '/dev/null') or die "/dev/null: $!";
opendir(my $home, '.') or die "cwd: $!";
my %base = %ENV;
my $W; # the child's end of the failure pipe
my ($held, $held_path, @held_id); # the task this process holds: descriptor, path in running/, (dev, ino)
my @held_gates; # and the group slot and named lock it holds (issue 18, below)

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

# Append a record to the held task file, whole or not at all: undef when it landed, else why not.
sub record {
  my $text = shift;
  my $size = (stat $held)[7];
  my $n = syswrite($held, $text);
  return undef if defined $n && $n == length $text;
  my $why = defined $n ? 'No space left on device (short write)' : "$!"; # a short write to a file: out of space or quota
  truncate($held, $size);
  $why;
}

# Whether the path in running/ still names the file we hold (a recoverer on another host that
# could not see our lock moves it away; a new version is a new file).
sub still_ours {
  my @st = lstat $held_path;
  @st && $st[0] == $held_id[0] && $st[1] == $held_id[1];
}

sub release { close $held if $held; ($held, $held_path, @held_id) = (); @held_gates = () }

# ---- groups and named locks (issue 18; src/queue/groups.ts, src/queue/named-locks.ts) ----------
# A claim may need a free slot of a group (`slots LIMIT DIR`: an exclusive lock on DIR/slot.I, I
# below LIMIT) and a named lock (`lock ex|sh FILE`). They are taken before the rename and held
# with the task (the recorder's fork inherits them; exec'd commands do not), so a claimed task
# never waits in running/, and a slot or lock is freed by the kernel when its holders die.

sub gate_file {
  my ($file, $create) = @_;
  sysopen(my $fh, $file, $O_NOFOLLOW | $O_NONBLOCK | ($create ? $O_CREAT : 0), 0600) or return undef;
  -f $fh ? $fh : undef;
}

# Slot I is free when it can be locked and no slot J >= LIMIT with J = I mod LIMIT is still held
# (by a run started before the limit was lowered): so a lowered limit lets no new run start until
# fewer than LIMIT run. The probe of J is shared, so two probers do not fail each other.
sub take_slot {
  my ($limit, $dir) = @_;
  SLOT: for my $i (0 .. $limit - 1) {
    my $fh = gate_file("$dir/slot.$i", 1) or next;
    flock($fh, LOCK_EX | LOCK_NB) or next;
    my $j = $i + $limit;
    while (my $old = gate_file("$dir/slot.$j", 0)) {
      next SLOT unless flock($old, LOCK_SH | LOCK_NB);
      $j += $limit;
    }
    return $fh;
  }
  undef;
}

# Take every need, or none: (descriptors, undef), or (undef, the index of the first not free).
sub take_gates {
  my @got;
  for my $i (0 .. $#_) {
    my ($kind, $arg, $file) = split / /, $_[$i], 3;
    my $fh;
    if ($kind eq 'slots') { $fh = take_slot($arg, $file) }
    elsif ($kind eq 'lock') { $fh = gate_file($file, 1); $fh = undef if $fh && !flock($fh, ($arg eq 'sh' ? LOCK_SH : LOCK_EX) | LOCK_NB) }
    return (undef, $i) unless $fh;
    push @got, $fh;
  }
  (\@got, undef);
}

# Take a queued task: check, lock, take its slot and lock if it needs them, rename into running/.
sub claim {
  my ($from, $to, @needs) = @_;
  release();
  my $fh;
  if (!sysopen($fh, $from, $O_RDWR | $O_APPEND | $O_NOFOLLOW | $O_NONBLOCK)) {
    return 'gone' if $!{ENOENT};
    return 'bad a symlink' if $!{ELOOP};
    return "bad unreadable ($!)";
  }
  my @st = stat $fh;
  return 'bad not a regular file' unless -f _;
  return "bad owned by uid $st[4], not by the worker's uid $<" if $st[4] != $<;
  return sprintf('bad writable by group or others (mode %o)', $st[2] & 07777) if $st[2] & 022;
  return "bad a hard link ($st[3] links)" if $st[3] != 1;
  return 'busy' unless flock($fh, LOCK_SH | LOCK_NB);
  my ($gates, $short) = take_gates(@needs);
  return "waiting $short" if defined $short;
  if (!rename($from, $to)) {
    my $why = "$!";
    return 'gone' if $!{ENOENT} && !-e $from;
    return "error claim $from: $why" . ($!{ENOENT} ? ' (the running directory is missing)' : '');
  }
  ($held, $held_path, @held_id) = ($fh, $to, @st[0, 1]);
  @held_gates = @$gates;
  return 'claimed' if still_ours();
  # queue/ held another file by the time of the rename (it was replaced after our open): put it back.
  rename($to, $from);
  release();
  'gone';
}

# Now in clock ticks since boot (USER_HZ: 100 on Linux), so no later than the start time of a
# child forked next: with the group id it names the task's processes for recovery.
my $uptime;
open($uptime, '<', '/proc/uptime') or $uptime = undef;
sub since {
  $uptime && sysseek($uptime, 0, 0) && sysread($uptime, my $text, 64) or return 0;
  my ($s, $cs) = $text =~ /^(\d+)\.(\d\d)/;
  $s * 100 + $cs;
}

# Open a log for appending, never through a symlink or into a file linked elsewhere.
sub open_log {
  my ($file, $create) = @_;
  sysopen(my $fh, $file, $O_WRONLY | $O_APPEND | $O_NOFOLLOW | ($create ? $O_CREAT : 0), 0600) or return (undef, "open $file: $!");
  my @st = stat $fh;
  return (undef, "open $file: not a regular file") unless -f _;
  return (undef, "open $file: a hard link") if $st[3] != 1;
  return (undef, "open $file: owned by uid $st[4]") if $st[4] != $<;
  ($fh, undef);
}

# The cap on a task's log (task_log_max): the head (the first half of the cap) is kept, then one
# marker line saying how many bytes were dropped, then the tail. When a log grows past the cap, a
# new file is written beside it (head, marker, the last eighth of the cap from a line start) and
# renamed over it, so a reader or a crash sees the old log or the new one, whole; the command
# waits at most for one such copy (at most 5/8 of the cap) per eighth of the cap it writes.
my $MARK = qr/\A\n?\[tmux-orc: (\d+) bytes dropped here[^\n]*\n/;
sub marker {
  my ($dropped, $nl) = @_;
  ($nl ? "\n" : '') . "[tmux-orc: $dropped bytes dropped here; the log keeps its first " . int($log_max / 2) . " bytes and its last part (task_log_max $log_max)]\n";
}

# Bytes dropped so far and the marker's length, read from a log that was capped before (a retry appends).
sub cap_state {
  my $fh = shift;
  my $head = int($log_max / 2);
  return (0, 0) if !$log_max || (stat $fh)[7] <= $head;
  sysopen(my $rd, '/proc/self/fd/' . fileno($fh), 0) or return (0, 0);
  sysseek($rd, $head, 0);
  sysread($rd, my $buf, 512);
  $buf =~ $MARK ? (0 + $1, length $&) : (0, 0);
}

# Copy bytes [$from, $to) of $rd to the end of $out; false on a read or write error.
sub copy_range {
  my ($rd, $out, $from, $to) = @_;
  while ($from < $to) {
    sysseek($rd, $from, 0);
    my $want = $to - $from < (1 << 20) ? $to - $from : 1 << 20;
    my $n = sysread($rd, my $buf, $want) or return 0;
    put($out, $buf) or return 0;
    $from += $n;
  }
  1;
}

# Replace a log grown past the cap by its head, the marker and its tail. Returns the descriptor to
# append to (the new file, or the old one when the new could not be written) and its state.
sub cap_log {
  my ($fh, $file, $size, $dropped, $mlen) = @_;
  my $head = int($log_max / 2);
  sysopen(my $rd, '/proc/self/fd/' . fileno($fh), 0) or return ($fh, $size, $dropped, $mlen);
  my $from = $size - int($log_max / 8);
  # The tail starts at a line: after the first newline in its first 64 KiB, if there is one.
  sysseek($rd, $from, 0);
  if ((sysread($rd, my $peek, 65536) // 0) > 0) { my $i = index($peek, "\n"); $from += $i + 1 if $i >= 0 && $from + $i + 1 < $size }
  sysseek($rd, $head - 1, 0);
  sysread($rd, my $last, 1);
  my $drop = $dropped + ($from - $head - $mlen);
  my $mark = marker($drop, $last ne "\n"); # a line of its own, after a head that ends mid-line
  my $tmp = "$file.cap";
  unlink $tmp;
  my ($out) = open_log($tmp, 1);
  if ($out && copy_range($rd, $out, 0, $head) && put($out, $mark) && copy_range($rd, $out, $from, $size) && rename($tmp, $file)) {
    close $fh;
    return ($out, $head + length($mark) + $size - $from, $drop, length $mark);
  }
  unlink $tmp; # no room for the copy: the log grows on, and the next write tries again
  ($fh, $size, $dropped, $mlen);
}

# A log that exists must be writable now (it is created later, on the task's first output).
sub unwritable {
  my $file = shift;
  return undef unless -e $file || -l $file;
  my ($fh, $why) = open_log($file, 0);
  $why;
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
# plain_program sets, changed.
sub restore_env {
  for (@_) { exists $base{$_} ? ($ENV{$_} = $base{$_}) : delete $ENV{$_} }
}

sub result_of {
  my $status = shift;
  my $sig = $status & 127;
  $sig ? 'SIGNAL=' . ($signame[$sig] // "SIG$sig") . "\n" : 'EXIT=' . ($status >> 8) . "\n";
}

# The task's group leader, its supervisor: runs the command in a child and records its result in
# the task file through the held descriptor, so a result is recorded even when this launcher and
# its worker are gone (killed, or their pane closed) by the time the command ends. It ignores the
# signals a timeout or cancel sends the group, records, then ends as the command ended; SIGKILL
# ends it unrecorded, and the launcher records instead.
#
# While the command runs it renews the lease (the file's mtime) that recoverers on other hosts go
# by. A lease found lapsed means it was stopped longer than the lease (its whole host frozen): if
# the task was taken over meanwhile, the command is killed at once and nothing is recorded.
sub recorder {
  my $exec = shift;
  $SIG{$_} = 'IGNORE' for qw(TERM INT HUP QUIT);
  my $pid = fork;
  fail('fork') unless defined $pid;
  if ($pid == 0) {
    $SIG{$_} = 'DEFAULT' for qw(TERM INT HUP QUIT PIPE CHLD ALRM);
    $exec->();
  }
  open(STDOUT, '>', '/dev/null');
  open(STDERR, '>', '/dev/null');
  close $W;
  my $every = $lease / 3 < 1 ? 1 : int($lease / 3);
  my $renewed = time;
  $SIG{ALRM} = sub {
    kill 'KILL', -$$ if time - $renewed > $lease && !still_ours(); # the whole group, this process too
    utime(undef, undef, $held);
    $renewed = time;
    alarm $every;
  };
  alarm $every;
  1 while waitpid($pid, 0) == -1 && $!{EINTR};
  alarm 0;
  my $status = $?;
  record(result_of($status)) if still_ours();
  my $sig = $status & 127;
  if ($sig) { $SIG{$signame[$sig] =~ s/^SIG//r} = 'DEFAULT' if $signame[$sig]; kill $sig, $$ }
  exit($status >> 8);
}

# Run the held task. The child waits on a pipe until its claim record, with its process group,
# has landed in the task file, so no command runs unrecorded; a full disk means it never runs.
sub run {
  my ($banner, $record, $out, $err, $cwd, $cmd, $direct, @env) = @_;
  return 'error worker-error: no task is held' unless $held;
  # Taken over while this worker stalled between its claim and now (by a host that could not see
  # our lock): run nothing.
  return 'lost the task was taken over before it started' unless still_ours();
  if (my $why = unwritable($out) // unwritable($err)) { return "error spawn-error: $why" }
  my $since = since();
  if (length $cwd && !chdir $cwd) { return "error spawn-error: cd $cwd: $!" }
  my %task = map { split /=/, $_, 2 } @env;
  @ENV{keys %task} = values %task;
  my @set = (keys %task, qw(PWD _ SHLVL));
  my @argv = split / /, $direct;
  my $path = @argv ? plain_program($argv[0], keys %task) : undef;
  my ($go_r, $go_w, $r, $out_r, $out_w, $err_r, $err_w);
  pipe($go_r, $go_w) && pipe($r, $W) && pipe($out_r, $out_w) && pipe($err_r, $err_w) or do { chdir $home; restore_env(@set); return "error spawn-error: pipe: $!" };
  my $pid = fork;
  if (defined $pid && $pid == 0) {
    setpgrp(0, 0);
    close $go_w;
    sysread($go_r, my $go, 1) or exit 125; # the record did not land: do not run
    open(STDIN, '<&', $null) && open(STDOUT, '>&', $out_w) && open(STDERR, '>&', $err_w) or fail('dup');
    recorder(sub {
      no warnings;
      exec { $path } @argv if defined $path;
      exec { $bash } 'bash', '-c', $cmd;
      fail("exec $bash");
    });
  }
  chdir $home if length $cwd;
  restore_env(@set);
  if (!defined $pid) { return "error spawn-error: fork: $!" }
  close $_ for $go_r, $W, $out_w, $err_w;
  if (my $why = record("${record}PGID=$pid\nPGID_START=$since\n")) {
    close $go_w;
    waitpid($pid, 0);
    return $why =~ /No space|quota/i ? "error no-space: $why" : "error no-record: $why";
  }
  my $recorded = (stat $held)[7]; # the file's size with the claim record: a result makes it grow
  put($pane[0], $banner) or $pane[0] = undef if $pane[0];
  syswrite($go_w, 'g');
  close $go_w;

  # Copy the output until the command has exited and its pipes are closed. Its leftovers in the
  # group are killed when it exits; a process that left the group may hold a pipe open, so after
  # the exit we read only while output keeps coming, for at most two seconds.
  my @pipe = ($out_r, $err_r);
  my @file = ($out, $err);
  my (@log, @tried, $status, $ended, $logerr, @cap);
  while (grep { $_ } @pipe) {
    my $rin = '';
    vec($rin, fileno $pipe[$_], 1) = 1 for grep { $pipe[$_] } 0, 1;
    my $n = select(my $rout = $rin, undef, undef, defined $status ? 0.05 : 1);
    for my $i (grep { $n > 0 && $pipe[$_] && vec($rout, fileno $pipe[$_], 1) } 0, 1) {
      my $got = sysread($pipe[$i], my $buf, 65536);
      next if !defined $got && $!{EINTR};
      if (!$got) { close $pipe[$i]; $pipe[$i] = undef; next }
      if (!$tried[$i]++) {
        ($log[$i], my $why) = open_log($file[$i], 1);
        $logerr //= $why;
        $cap[$i] = [(stat $log[$i])[7], cap_state($log[$i])] if $log[$i];
      }
      if ($log[$i]) {
        put($log[$i], $buf) or $logerr //= "write $file[$i]: $!";
        my $c = $cap[$i];
        $c->[0] += length $buf;
        ($log[$i], @$c) = cap_log($log[$i], $file[$i], @$c) if $log_max && $c->[0] > $log_max;
      }
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
  return 'lost the task was taken over (its lease lapsed)' if !still_ours();
  # The child is gone: what it wrote here is why it could not exec (nothing, once it did).
  sysread($r, my $why, 4096);
  if (length($why //= '')) { $why =~ s/\n/ /g; return "error spawn-error: $why" }
  my $sig = $status & 127;
  # The recorder wrote the result; if it was killed first, write it here. Not recorded at all
  # (a full disk): the worker still has it, and records it when it settles the task.
  record(result_of($status)) if (stat $held)[7] == $recorded && still_ours();
  return "error log-error: $logerr" if defined $logerr;
  $sig ? "signal $sig" : 'exit ' . ($status >> 8);
}

# Requests: `<bytes>\n` then NUL-separated fields, the first the verb. Replies: one line each,
# except `release`, which has none.
while (defined(my $len = <STDIN>)) {
  chomp $len;
  (read(STDIN, my $req, $len) // 0) == $len or last;
  my ($verb, @f) = split /\0/, $req, -1;
  my $reply;
  if ($verb eq 'claim') { $reply = claim(@f) }
  elsif ($verb eq 'run') { $reply = run(@f) }
  elsif ($verb eq 'release') { release() }
  else { $reply = "error unknown request $verb" }
  # One line each, whatever a path or an error message held.
  if (defined $reply) { $reply =~ s/[\r\n]/ /g; print "$reply\n" }
}
