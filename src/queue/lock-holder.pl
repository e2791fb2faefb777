# `tmux-orc lock NAME -- CMD...` (issue 18): take the named lock's flock(2), then become CMD with
# the lock's descriptor open (not close-on-exec), so CMD and whatever it starts hold the lock and
# the kernel releases it when the last of them exits, however it exits. lock-run.ts starts this
# and reads one status line on descriptor 3: `locked`, `timeout`, or `error <why>`.
#
# Arguments: the lock file, `ex` or `sh`, the timeout in ms (-1: wait as long as it takes), the
# open(2) flag values O_NOFOLLOW,O_CREAT,O_NONBLOCK (Fcntl would add a module load), then CMD: one
# word is a shell command line (bash -c), several are exec'd as they are.
use strict;

my ($file, $mode, $timeout_ms, $flags, @argv) = @ARGV;
my ($O_NOFOLLOW, $O_CREAT, $O_NONBLOCK) = map { 0 + $_ } split /,/, $flags;
sub LOCK_SH () { 1 } sub LOCK_EX () { 2 } sub LOCK_NB () { 4 }
open(my $status, '>&=', 3) or die "tmux-orc: lock: status descriptor: $!\n";
select((select($status), $| = 1)[0]);
sub quit { print $status "$_[0]\n"; exit 1 }

my $lock;
{
  local $^F = 1 << 30; # descriptors above $^F are made close-on-exec: this one must stay open in CMD
  sysopen($lock, $file, $O_NOFOLLOW | $O_CREAT | $O_NONBLOCK, 0600) or quit("error open $file: $!");
}
-f $lock or quit("error $file is not a regular file");
my $how = $mode eq 'sh' ? LOCK_SH : LOCK_EX;

# Centiseconds since boot (no Time::HiRes: perl-base lacks it).
open(my $uptime, '<', '/proc/uptime') or quit("error /proc/uptime: $!");
sub now_cs { sysseek($uptime, 0, 0); sysread($uptime, my $t, 64); my ($s, $cs) = $t =~ /^(\d+)\.(\d\d)/; $s * 100 + $cs }

if ($timeout_ms < 0) {
  # Blocked in the kernel: woken the moment the lock is free, in the order the kernel chooses.
  until (flock($lock, $how)) { quit("error flock $file: $!") unless $!{EINTR} }
} else {
  my $end = now_cs() + $timeout_ms / 10;
  my $nap = 0.002;
  until (flock($lock, $how | LOCK_NB)) {
    quit("error flock $file: $!") unless $!{EWOULDBLOCK} || $!{EAGAIN} || $!{EINTR};
    quit('timeout') if now_cs() >= $end;
    select(undef, undef, undef, $nap);
    $nap = $nap >= 0.025 ? 0.05 : $nap * 2;
  }
}
close $uptime;
print $status "locked\n";
close $status;
{
  no warnings 'exec';
  if (@argv == 1) { exec { 'bash' } 'bash', '-c', $argv[0] }
  else { exec { $argv[0] } @argv }
}
print STDERR "tmux-orc: lock: cannot run $argv[0]: $!\n";
exit 127;
