#include "perl_coprocess.hpp"

namespace fanout {

// The program the perl co-process runs. Each frame is a 32-bit big-endian length and
// that many bytes: fields, each a 32-bit big-endian length and its bytes (pack "N/a*").
//   "c", code...                      compile each code into a sub: "ok", or "error", index, message
//   "e", seq, slot, total, last, n, arg1..argn, (expression, arg)...
//                                     evaluate: "ok" or "skip", then per call "q"/"u" and $_
//                                     ("u": uq() was called), or "died", expression, message;
//                                     last: the job's values are forgotten afterwards
// The helper functions are GNU parallel 20221122's (package Arg, where its expressions
// are compiled), written again here. The user's code runs as GNU parallel's: no strict,
// no warnings, $_ the argument, @arg the job's arguments from $arg[1], $job the job.
// The loader reads the program with sysread(), unbuffered: what follows it stays in the
// socket for the program's own handle on it.
const char* const k_perl_loader =
    "sub r { my $b = ''; while (length($b) < $_[0]) { sysread(STDIN, $b, $_[0] - length($b), length($b)) "
    "or exit 3 } $b } $h = r(8); $p = r(unpack('x4 N', $h)); eval $p; die $@ if $@;";

// The channel moves off fd 0, which becomes /dev/null: an expression that reads STDIN
// gets end of file instead of eating the requests (and hanging both sides). STDOUT
// (fanout's stderr) is unbuffered, so what an expression prints is never lost.
const char* const k_perl_program = R"PERL(
use strict;
use warnings;
open(my $in, '<&', \*STDIN) or die "fanout perl: fd 0: $!";
open(my $channel, '>&', \*STDIN) or die "fanout perl: fd 0: $!";
open(STDIN, '<', '/dev/null') or die "fanout perl: /dev/null: $!";
binmode $in;
binmode $channel;
$| = 1;

sub read_exact {
    my ($length) = @_;
    my $got = read($in, my $buffer, $length);
    return defined $got && $got == $length ? $buffer : undef;
}

sub receive {
    my $head = read_exact(4);
    return undef unless defined $head;
    my $length = unpack('N', $head);
    my $payload = $length ? read_exact($length) : '';
    return undef unless defined $payload;
    return [unpack('(N/a*)*', $payload)];
}

sub answer {
    my $payload = pack('(N/a*)*', @_);
    my $frame = pack('N', length $payload) . $payload;
    while (length $frame) {
        my $sent = syswrite($channel, $frame);
        if (!defined $sent) {
            next if $!{EINTR};
            exit 1;
        }
        substr($frame, 0, $sent) = '';
    }
}

package CommandLine;
sub seq { $_[0]{seq} }
sub slot { $_[0]{slot} }
sub skip { $_[0]{skip} = 1 }

package Arg;
our @arg;
our $job;
our $unquote = 0;
our $total_jobs;

sub Q($) {
    local $_ = $_[0];
    if (/[^-_.+a-z0-9\/]/i) {
        s/'/'"'"'/g;
        $_ = "'$_'";
        s/^''//;
        s/''$//;
        return $_;
    }
    return $_ eq '' ? "''" : $_;
}
sub pQ($) {
    my $a = $_[0];
    $a =~ s/[\\\"\$\@]/\\$&/g if defined $a;
    return $a;
}
sub hash($) { require B; B::hash(@_) }
sub total_jobs() {
    die "total_jobs(): the number of jobs is not known\n" unless defined $total_jobs;
    return $total_jobs;
}
sub skip() { $job->skip() }
sub slot() { $job->slot() }
sub seq() { $job->seq() }
sub uq() { $unquote = 1 }
sub _now { require POSIX; POSIX::strftime($_[0], localtime(time())) }
sub yyyy_mm_dd_hh_mm_ss() { _now('%Y-%m-%dT%H:%M:%S') }
sub yyyy_mm_dd_hh_mm() { _now('%Y-%m-%dT%H:%M') }
sub yyyy_mm_dd() { _now('%Y-%m-%d') }
sub hh_mm_ss() { _now('%H:%M:%S') }
sub hh_mm() { _now('%H:%M') }
sub yyyymmddhhmmss() { _now('%Y%m%d%H%M%S') }
sub yyyymmddhhmm() { _now('%Y%m%d%H%M') }
sub yyyymmdd() { _now('%Y%m%d') }
sub hhmmss() { _now('%H%M%S') }
sub hhmm() { _now('%H%M') }

sub _compile { eval('sub { no strict; no warnings; my $job = shift; ' . $_[0] . ' }') }

package main;

my @subs;
my %cache;       # "expression arg" => [value, unquoted], for one job
my $cache_seq = -1;

sub compile_all {
    for my $index (0 .. $#_) {
        my $sub = Arg::_compile($_[$index]);
        if (!$sub) {
            my $error = $@;
            $error =~ s/\s+\z//;
            return answer('error', $index, $error);
        }
        push @subs, $sub;
    }
    answer('ok');
}

sub evaluate {
    my ($seq, $slot, $total, $last, $count, @rest) = @_;
    my @args = splice(@rest, 0, $count);
    if ($seq != $cache_seq) {
        %cache = ();
        $cache_seq = $seq;
    }
    local $Arg::job = bless { seq => $seq, slot => $slot, skip => 0 }, 'CommandLine';
    local @Arg::arg = (undef, @args);
    local $Arg::total_jobs = length($total) ? $total : undef;
    my @out;
    while (@rest) {
        my ($expression, $arg) = splice(@rest, 0, 2);
        my $key = "$expression $arg";
        if (!$cache{$key}) {
            local $_ = $arg ? $args[$arg - 1] : '';
            $Arg::unquote = 0;
            if (!eval { $subs[$expression]->($Arg::job); 1 }) {
                my $error = $@;
                $error =~ s/\s+\z//;
                return answer('died', $expression, $error);
            }
            $cache{$key} = [defined $_ ? $_ : '', $Arg::unquote];
        }
        push @out, ($cache{$key}[1] ? 'u' : 'q'), $cache{$key}[0];
    }
    $cache_seq = -1 if $last;
    answer($Arg::job->{skip} ? 'skip' : 'ok', @out);
}

while (my $message = receive()) {
    my $kind = shift @$message;
    if ($kind eq 'c') {
        compile_all(@$message);
    } elsif ($kind eq 'e') {
        evaluate(@$message);
    } else {
        exit 2;
    }
}
)PERL";

} // namespace fanout
