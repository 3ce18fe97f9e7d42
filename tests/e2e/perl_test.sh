#!/usr/bin/env bash
# {= perl =} expressions and --rpl tags, evaluated by one perl co-process: values in
# direct and shell commands, uq(), skip() (never run, joblog -2), globals from job to job,
# compile errors refused before any job, and a co-process killed mid-run.
# differential_test.sh compares the same forms with GNU parallel.
# shellcheck source=lib.sh disable=SC1083,SC2016 # literal braces and unexpanded $ are the point
source "$(dirname "$0")/lib.sh"

# --- values ------------------------------------------------------------------------------
run "$FANOUT" -k echo '{= s/a/b/g =}' ::: banana 'a b' "it's"
assert_status "{= s/a/b/g =}: exit status" 0
assert_eq "{= s/a/b/g =}: \$_ changed is the value" $'bbnbnb\nb b\nit'"'"'s' "$OUT"
run "$FANOUT" -k 'printf "<%s>\n" {= s/x/a\nb/ =} | cat' ::: 'x $HOME' "x'\"*"
assert_eq "in a shell command each value is one quoted word, newline and all" \
    $'<a\nb $HOME>\n<a\nb\'"*>' "$OUT"
run "$FANOUT" -k -j1 echo '{= $n++; $_ = "$n:$arg[1]:$arg[2]:" . seq() . ":" . slot() =}' ::: a b ::: c
assert_eq "globals carry over; @arg, seq(), slot(); one value per argument" \
    $'1:a:c:1:1 2:a:c:1:1\n3:b:c:2:1 4:b:c:2:1' "$OUT"
run "$FANOUT" -k echo '{=2 s/c/C/ =}' '{=-1 s/c/D/ =}' '{=3 s/^/never/ =}' ::: a ::: c
assert_eq "{=N =} and {=-N =} take one argument; past the last, nothing" "C D" "$(echo "$OUT" | tr -s ' ')"
run "$FANOUT" -k echo '{= uq() =}' ::: 'a;echo b'
assert_eq "uq(): the value goes into a shell command line as it is" $'a\nb' "$OUT"
run "$FANOUT" -k -j1 -X echo 'x{= s/a/b/ =}y' ::: a aa
assert_eq "-X repeats the word for each argument" "xby xbay" "$OUT"
run "$FANOUT" -k --tagstring '[{= s/a/T/ =}]' echo ::: a
assert_eq "--tagstring" $'[T]\ta' "$OUT"
# Under --lb a tag's {= =} are evaluated again for each line (after once as the job
# starts), with -k too, as GNU parallel's.
run "$FANOUT" -k --lb --tagstring '{= $_=++$::n =}' 'echo a; echo b' ::: x
assert_eq "--tagstring with -k --lb: evaluated for each line" $'2\ta\n3\tb x' "$OUT"
run "$FANOUT" -k -q echo '{=' 's/a/b/' '=}' ::: 'a b;'
assert_eq "-q: an expression given as several words is one" "b b;" "$OUT"

run "$FANOUT" -k -j1 --retries 3 'echo {= $_ = ++$n =}; exit 1' ::: a b
assert_eq "a retry evaluates the expressions again, as GNU parallel's" $'3\n6' "$OUT"

# --- --rpl -------------------------------------------------------------------------------
run "$FANOUT" -k --rpl '{..} s/\.[^.]*$//; s/\.[^.]*$//' echo {..} {2..} ::: a.tar.gz ::: b.c.d
assert_eq "--rpl tag, and its positional form" "a b b" "$OUT"
run "$FANOUT" -k --rpl '{/(\.\S+)/(\.\S+)} s/$$1/$$2/g;' echo {/.tar/.gz} ::: UU.tar.gz
assert_eq "--rpl with a (regex): its groups are \$\$1, \$\$2" "UU.gz.gz" "$OUT"
run "$FANOUT" --rpl '{..}' echo ::: a
assert_usage_error "--rpl without code" "--rpl '{..}': expected 'TAG perl-expression'"

# --- skip() ------------------------------------------------------------------------------
run "$FANOUT" -k -j1 --joblog jl 'echo {= $_ eq "b" and skip() =}' ::: a b c
assert_status "skip(): the skipped job counts as failed, as in GNU parallel" 1
assert_eq "skip(): that job did not run" $'a\nc' "$OUT"
assert_eq "skip(): the joblog says -2 with its command" $'2\t-2\techo b' "$(awk -F'\t' '$1 == 2 { print $1 "\t" $7 "\t" $9 }' jl)"

run "$FANOUT" -k -j1 --dry-run 'echo {= $_ eq "b" and skip() =}' ::: a b
assert_eq "skip() with --dry-run: the command is shown, as GNU parallel's" $'echo a\necho b' "$OUT"
assert_status "skip() with --dry-run: counted as failed" 1

# --- errors ------------------------------------------------------------------------------
run "$FANOUT" echo '{= 1/ =}' ::: a
assert_usage_error "a perl syntax error" "perl expression '{= 1/ =}' does not compile: syntax error"
run "$FANOUT" 'echo ran; echo {= s/a/b/' ::: a
assert_usage_error "an unterminated {=" "unterminated perl expression '{= s/a/b/'"
run "$FANOUT" -k -j1 echo '{= $_ = /b/ ? "x\0y" : $_ =}' ::: a b c
assert_status "a value with a NUL byte: that job fails" 1
assert_eq "a value with a NUL byte: it does not run, cut short; the others do" $'a\nc' "$OUT"
assert_contains "a value with a NUL byte: one line says so" \
    "fanout: job 2 (::: arguments record 2): a perl expression's value holds a NUL byte" "$ERR"
run "$FANOUT" -k -j1 echo '{= $_ .= "/" . total_jobs() =}' ::: a b c
assert_eq "total_jobs(): the input is read ahead, as for {##}" $'a/3\nb/3\nc/3' "$OUT"
run "$FANOUT" -k --rpl '{tot} $_ = total_jobs()' echo {tot} ::: a b
assert_eq "total_jobs() in an --rpl tag's code reads ahead too" $'2\n2' "$OUT"
run "$FANOUT" --pipe echo '{= $_ = total_jobs() =}' <<<"a"
assert_usage_error "total_jobs() with --pipe" "total_jobs() need the number of jobs"

# --- with --plus and --header ---------------------------------------------------------------
run "$FANOUT" --plus -k -j1 --joblog jl echo {choose_k} '{= $_ eq "c" and skip() =}' ::: a b c ::: a b c
assert_status "{choose_k} and skip() in one run: each skipped job counts as failed" 8
assert_eq "{choose_k} and skip(): only the jobs neither skips ran" "a b a b" "$OUT"
assert_eq "{choose_k} and skip(): the joblog says -2 for each skipped job" "8" \
    "$(awk -F'\t' '$7 == -2' jl | wc -l | tr -d ' ')"
run "$FANOUT" --plus -k -j1 --resume --joblog jl echo {choose_k} '{= $_ eq "c" and skip() =}' ::: a b c ::: a b c
assert_status "--resume: the skipped jobs in the joblog are done, as in GNU parallel" 0
assert_eq "--resume: nothing runs again" "" "$OUT"
run "$FANOUT" --plus -k -j1 -t echo {choose_k} '{= $_ eq "b" and skip() =}' ::: a b ::: a c
assert_eq "-t shows the skipped jobs' commands too, as GNU parallel's" \
    $'echo a a a a\necho a c a c\necho b a b a\necho b c b c' "$(grep "^echo" <<<"$ERR")"
run "$FANOUT" --plus -k --rpl '{..} $_ = "rpl"' echo {..} {+..} '{= $_ = "p" =}' {##} ::: a.tar.gz
assert_eq "--plus: a user's --rpl tag takes the place of a --plus string; {= =} stays perl" "rpl tar.gz p 1" "$OUT"
printf 'a\tb\n1\t2\n' >cols.tsv
run "$FANOUT" -k --header : --colsep '\t' echo {a} '{= $_ .= "{b}" =}' {b} :::: cols.tsv
assert_eq "--header: {name} is rewritten, not inside {= =} (GNU rewrites there too)" "1 1{b} 2{b} 2" "$OUT"
run "$FANOUT" -k -j1 echo '{= die "bad\n" if /b/ =}' ::: a b c
assert_status "an expression that dies: exit status 255" 255
assert_eq "an expression that dies: the jobs before it ran, none after" "a" "$OUT"
assert_contains "an expression that dies: one line names it" \
    "fanout: error: perl expression '{= die \"bad\n\" if /b/ =}' died in job 2: bad" "$ERR"

# The co-process killed mid-run: one line, no hang, nothing more starts.
start_fanout -j1 'echo {= s/^/x/ =}; sleep 0.2' ::: $(seq 1 50)
wait_until 10 bash -c "pgrep -P $FANOUT_PID -x perl >/dev/null && [ -s out.txt ]"
perl_pid=$(pgrep -P "$FANOUT_PID" -x perl)
kill -KILL "$perl_pid"
wait_exit 10
assert_eq "perl killed: fanout exits 255" 255 "$STATUS"
assert_eq "perl killed: one line says so" \
    "fanout: error: the perl co-process that evaluates {= =} expressions died: no more jobs are started" \
    "$(cat err.txt)"
assert_true "perl killed: every job that ran had its value" [ -z "$(grep -v '^x[0-9]*$' out.txt)" ]
assert_true "perl killed: not every job ran" [ "$(wc -l <out.txt)" -lt 50 ]

# An expression that reads STDIN gets end of file (the requests are not on it): no hang.
run "$FANOUT" -k echo '{= $_ = <STDIN> =}' ::: a b
assert_status "an expression reading STDIN: exit 0" 0
assert_eq "an expression reading STDIN: two empty lines, as GNU's with </dev/null" 2 "$(wc -c <"$OUT_FILE")"
# What an expression prints is not lost: it goes to stderr, at once.
run "$FANOUT" -k echo '{= print "HI" =}' ::: a b
assert_eq "an expression's print: the jobs' output" "$(printf 'a\nb')" "$OUT"
assert_eq "an expression's print: on stderr" "HIHI" "$ERR"
# An endless expression: SIGTERM still ends fanout, and SIGKILL of fanout its perl.
start_fanout -k echo '{= 1 while 1 =}' ::: a
wait_until 10 bash -c "pgrep -P $FANOUT_PID -x perl >/dev/null"
perl_pid=$(pgrep -P "$FANOUT_PID" -x perl)
kill -TERM "$FANOUT_PID"
wait_exit 10
assert_eq "an endless expression: SIGTERM ends fanout by it" 143 "$STATUS"
assert_true "... and its perl" wait_until 5 bash -c "! kill -0 $perl_pid 2>/dev/null"
start_fanout -k echo '{= 1 while 1 =}' ::: a
wait_until 10 bash -c "pgrep -P $FANOUT_PID -x perl >/dev/null"
perl_pid=$(pgrep -P "$FANOUT_PID" -x perl)
kill -KILL "$FANOUT_PID"
wait_exit 10
assert_true "fanout SIGKILLed: its perl does not run on" wait_until 5 bash -c "! kill -0 $perl_pid 2>/dev/null"

end_of_tests
