# The writer of a pane log (`logs-on`, agents' windows): tmux pipe-pane feeds it the pane's output;
# it writes each line to FILE prefixed with its UTC time, and rotates FILE by size (FILE → FILE.1
# → … → FILE.KEEP, the oldest dropped) between two lines, so no line is lost or split at a seam.
# src/session/logs.ts starts it; why Perl: one small long-lived process per pane, already needed
# by the workers (launcher.pl), and it can rename and stamp without helpers.
#
# A worker's own pane lines start with its short time (`09:00:00 worker-0 …`): the log has the full
# stamp, so that short one is dropped and each log line carries one time.
#
# Arguments: FILE MAX-BYTES KEEP. The log is opened without following a symlink, and one that is
# not a regular file of ours with one link is not written through (the writer exits).
use strict;
use Fcntl qw(O_WRONLY O_APPEND O_CREAT O_NOFOLLOW);

my ($file, $max, $keep) = @ARGV;
$max = 0 + ($max // 0);
$keep = 0 + ($keep // 5);
$SIG{PIPE} = 'IGNORE';

my ($fh, $size, $ino);
sub open_log {
  sysopen($fh, $file, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, 0600) or die "pane log $file: $!\n";
  my @st = stat $fh;
  die "pane log $file: not a regular file of ours with one link\n" unless -f _ && $st[3] == 1 && $st[4] == $<;
  ($size, $ino) = @st[7, 1];
}

# A log removed meanwhile (tasks-clean prunes quiet ones) is made again, not written into the void.
sub still_there {
  my @st = lstat $file;
  return if @st && $st[1] == $ino;
  close $fh;
  open_log();
}

sub rotate {
  close $fh;
  for (my $i = $keep - 1; $i >= 1; $i--) { rename("$file.$i", "$file." . ($i + 1)) if -e "$file.$i" }
  rename($file, "$file.1");
  open_log();
}

my ($stamp_at, $stamp) = (-1, '');
sub stamp {
  my $t = time;
  return $stamp if $t == $stamp_at;
  my @g = gmtime $t;
  $stamp_at = $t;
  $stamp = sprintf '%04d-%02d-%02dT%02d:%02d:%02dZ ', $g[5] + 1900, $g[4] + 1, @g[3, 2, 1, 0];
}

sub put {
  my $buf = shift;
  for (my $off = 0; $off < length $buf;) {
    my $n = syswrite($fh, $buf, length($buf) - $off, $off);
    if (!defined $n) { next if $!{EINTR}; die "pane log $file: $!\n" }
    $off += $n;
  }
  $size += length $buf;
}

open_log();
my $rest = '';
# Whole chunks at a time, one write per chunk (or per rotation): a flood costs a write per 64 KiB.
while (1) {
  my $n = sysread(STDIN, my $chunk, 65536);
  next if !defined $n && $!{EINTR};
  last unless $n;
  $rest .= $chunk;
  still_there();
  my $out = '';
  my $s = stamp();
  while ($rest =~ /\G([^\n]*)\n/gc) {
    my $line = $1;
    $line =~ s/^\d\d:\d\d:\d\d (?=worker-)//;
    $line = "$s$line\n";
    if ($max && $size + length($out) + length($line) > $max && $size + length($out) > 0) {
      put($out) if length $out;
      $out = '';
      rotate();
    }
    $out .= $line;
  }
  $rest = substr($rest, pos($rest) // 0);
  # A line longer than 1 MiB is written in parts rather than held.
  if (length $rest > (1 << 20)) { $out .= "$s$rest\n"; $rest = '' }
  put($out) if length $out;
}
put(stamp() . "$rest\n") if length $rest;
