# The holder of one agent task: claims it the way the worker's launcher does (launcher.pl `claim`)
# and keeps the kernel lock on it for as long as the agent's turn lasts. agent-claim.ts starts it,
# detached, and reads its one-line reply; the dispatcher that started it may die without taking
# the lock with it.
#
# The claim: the queued file is opened (never through a symlink), checked (a regular file of ours,
# one link, writable by nobody else), locked shared, renamed into running/, and its owner record
# (naming this process, so recovery can tell whose it is) appended through the held descriptor.
# Then it holds. It ends, and the lock with it, when the file is no longer the one it claimed at
# that path (the task was settled and moved on), or when the agent's process (pid + start time)
# is gone: a task whose agent died is then unheld, and recovery requeues or fails it.
#
# Arguments: FROM TO RECORD_HEAD RECORD_TAIL WATCH_PID WATCH_START FLAGS, where the owner record
# is RECORD_HEAD, WORKER_PID and WORKER_START of this process, RECORD_TAIL; FLAGS are this
# machine's O_RDWR,O_APPEND,O_NOFOLLOW,O_NONBLOCK. Reply: claimed | gone | busy | bad <why> | error <why>.
use strict;

my ($from, $to, $head, $tail, $watch_pid, $watch_start, $flags) = @ARGV;
my ($O_RDWR, $O_APPEND, $O_NOFOLLOW, $O_NONBLOCK) = map { 0 + $_ } split /,/, $flags;
sub LOCK_SH () { 1 } sub LOCK_NB () { 4 }
$SIG{PIPE} = 'IGNORE';

sub reply { syswrite STDOUT, "$_[0]\n"; close STDOUT; }
sub finish { reply($_[0]); exit 0 }

# Field 22 of /proc/PID/stat (the start time in clock ticks), as src/persist/proc.ts reads it.
sub start_of {
  open(my $f, '<', "/proc/$_[0]/stat") or return '';
  my $s = <$f> // '';
  $s =~ s/^.*\)\s+//s;
  my @f = split /\s+/, $s;
  return '' if ($f[0] // '') eq 'Z';
  $f[19] // '';
}

my $fh;
if (!sysopen($fh, $from, $O_RDWR | $O_APPEND | $O_NOFOLLOW | $O_NONBLOCK)) {
  finish('gone') if $!{ENOENT};
  finish('bad a symlink') if $!{ELOOP};
  finish("bad unreadable ($!)");
}
my @st = stat $fh;
finish('bad not a regular file') unless -f _;
finish("bad owned by uid $st[4], not by the holder's uid $<") if $st[4] != $<;
finish(sprintf('bad writable by group or others (mode %o)', $st[2] & 07777)) if $st[2] & 022;
finish("bad a hard link ($st[3] links)") if $st[3] != 1;
finish('busy') unless flock($fh, LOCK_SH | LOCK_NB);
if (!rename($from, $to)) {
  finish('gone') if $!{ENOENT} && !-e $from;
  finish("error claim $from: $!");
}
sub still_ours {
  my @now = lstat $to;
  @now && $now[0] == $st[0] && $now[1] == $st[1];
}
if (!still_ours()) { rename($to, $from); finish('gone') }

# The owner record, on a line of its own, whole or not at all.
my $size = (stat $fh)[7];
my $nl = '';
if ($size > 0 && sysseek($fh, $size - 1, 0) && sysread($fh, my $lastc, 1)) { $nl = "\n" if $lastc ne "\n" }
my $record = "$nl${head}WORKER_PID=$$\nWORKER_START=" . start_of($$) . "\n$tail";
my $n = syswrite($fh, $record);
if (!defined $n || $n != length $record) {
  my $why = defined $n ? 'No space left on device (short write)' : "$!";
  truncate($fh, $size);
  rename($to, $from); # back, unchanged, still under our lock
  finish("error no-record: $why");
}
reply('claimed');
open(STDIN, '<', '/dev/null');
open(STDERR, '>', '/dev/null');
chdir '/';

my $watched = $watch_pid > 0;
while (1) {
  select(undef, undef, undef, 0.2);
  last unless still_ours();
  last if $watched && !(kill(0, $watch_pid) && start_of($watch_pid) eq $watch_start);
}
exit 0;
