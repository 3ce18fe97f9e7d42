# Output modes: --group (default), -k, --line-buffer, -u; --tag, --tagstring; large
# outputs arrive whole; a grandchild holding the pipe does not hang fanout.
# shellcheck source=lib.sh disable=SC1083,SC2016 # literal braces and unexpanded $ are the point
source "$(dirname "$0")/lib.sh"

# Prints "ok" when FILE consists of JOBS blocks, one per job, each the job's LINES
# lines "<id> <tag> 1".."<id> <tag> LINES" in order; else says what is wrong.
check_blocks() { # FILE JOBS LINES
    awk -v jobs="$2" -v lines="$3" '
        { id = $1; n = $3 }
        id != prev {
            if (prev != "" && expect != lines + 1) { print "job " prev " stopped after line " expect - 1; bad = 1; exit }
            if (id in seen) { print "job " id " resumed at output line " NR; bad = 1; exit }
            seen[id] = 1; blocks++; prev = id; expect = 1
        }
        { if (n != expect) { print "job " id ": line " n " where " expect " was due"; bad = 1; exit } expect++ }
        END {
            if (bad) exit
            if (expect != lines + 1) print "job " prev " stopped after line " expect - 1
            else if (blocks != jobs) print blocks " jobs instead of " jobs
            else print "ok"
        }' "$1"
}

# --- --group (default): each job's output whole, stdout and stderr apart ---------------------
chatty='for i in $(seq 100); do echo "{} out $i"; echo "{} err $i" >&2; sleep 0.01; done'
run "$FANOUT" -j20 "$chatty" ::: $(seq 20)
assert_status "group: exit status" 0
assert_eq "group (default): each job's stdout lines are contiguous" ok "$(check_blocks "$OUT_FILE" 20 100)"
assert_eq "group (default): each job's stderr lines are contiguous" ok "$(check_blocks "$ERR_FILE" 20 100)"
assert_not_contains "group: stdout holds no stderr line" " err " "$OUT"
run "$FANOUT" --group -j20 "$chatty" ::: $(seq 20)
assert_eq "--group: each job's stdout lines are contiguous" ok "$(check_blocks "$OUT_FILE" 20 100)"
assert_eq "--group: each job's stderr lines are contiguous" ok "$(check_blocks "$ERR_FILE" 20 100)"
run "$FANOUT" 'echo out; echo err >&2' ::: x
assert_eq "group: stdout to stdout" "out" "$OUT"
assert_eq "group: stderr to stderr" "err x" "$ERR"
for mode in --group -k --line-buffer -u; do
    run "$FANOUT" "$mode" -j1 'printf {}' ::: a b c
    assert_eq "output without final newline is written as it is ($mode)" "abc" "$OUT"
done

# A job writing much to stderr before its stdout: fanout must drain both pipes.
for mode in --group -k --line-buffer -u; do
    run "$FANOUT" "$mode" -j2 'head -c 10485760 /dev/zero >&2; head -c 10485760 /dev/zero; echo done {}' ::: a b
    assert_status "10 MiB on stderr then stdout ($mode): exit status" 0
    assert_eq "10 MiB on stderr then stdout ($mode): all of stdout" $((2 * 10485760 + 14)) "$(wc -c <"$OUT_FILE")"
    assert_eq "10 MiB on stderr then stdout ($mode): all of stderr" $((2 * 10485760)) "$(wc -c <"$ERR_FILE")"
    rm -f "$OUT_FILE" "$ERR_FILE"
done

# --- -k: input order ------------------------------------------------------------------------
run "$FANOUT" -k -j4 'sleep {}; echo {}' ::: 0.4 0.1 0.3 0.2
assert_status "-k: exit status" 0
assert_eq "-k: output in input order though jobs end out of order" $'0.4\n0.1\n0.3\n0.2' "$OUT"
run "$FANOUT" --keep-order -j4 'sleep {}; echo {} >&2' ::: 0.3 0.1 0.2
assert_eq "--keep-order: stderr in input order too" $'0.3\n0.1\n0.2' "$ERR"
run "$FANOUT" -k -j20 "$chatty" ::: $(seq 20)
assert_eq "-k: jobs' lines contiguous and in input order" "$(seq 20)" "$(awk '!seen[$1]++ { print $1 }' "$OUT_FILE")"
assert_eq "-k: each job's lines complete" ok "$(check_blocks "$OUT_FILE" 20 100)"
# The second job's large output waits, whole, behind the slow first job.
run "$FANOUT" -k -j2 'if [ {} = slow ]; then sleep 1; echo slow; else seq 3000000; fi' ::: slow fast
assert_status "-k with a large later output: exit status" 0
assert_eq "-k: the slow first job's output comes first" slow "$(head -n 1 "$OUT_FILE")"
assert_eq "-k: the large later output follows whole" "$(seq 3000000 | sha256sum)" "$(tail -n +2 "$OUT_FILE" | sha256sum)"
rm -f "$OUT_FILE"

# -k streams the oldest job's output while it runs: the job prints "first 1" and then
# waits for a file the test creates only after it saw "first 1" in fanout's output.
fresh_dir stream
waiter='echo first {}; i=0; while [ ! -e go ]; do i=$((i+1)); [ $i -gt 600 ] && { echo gave up; exit 1; }; sleep 0.05; done; echo second {}'
(timeout -k 5 "$(scaled 60)" "$FANOUT" -k "$waiter" ::: 1 >out 2>err; echo $? >status) &
streamer=$!
seen=no
if wait_until 30 grep -qs 'first 1' out; then
    seen=yes
fi
touch go
wait "$streamer"
assert_eq "-k: the running oldest job's output appears before it ends" yes "$seen"
assert_eq "-k streaming: exit status" 0 "$(cat status)"
assert_eq "-k streaming: whole output" $'first 1\nsecond 1' "$(cat out)"
cd "$T" || exit 1

# --- --line-buffer: whole lines only ------------------------------------------------------------
pieces='for i in 1 2 3 4 5; do printf "A{}-%s-" $i; sleep 0.02; printf "part2-"; sleep 0.02; printf "end\n"; done'
run "$FANOUT" --line-buffer -j6 "$pieces" ::: 1 2 3 4 5 6
assert_status "--line-buffer: exit status" 0
assert_eq "--line-buffer: 30 lines" 30 "$(line_count "$OUT_FILE")"
assert_eq "--line-buffer: no line is partial or mixed" "" "$(grep -vxE 'A[1-6]-[1-5]-part2-end' "$OUT_FILE")"
assert_eq "--line-buffer: each job's lines in its order" "$(for j in 1 2 3 4 5 6; do seq -f "A$j-%g-part2-end" 5; done)" \
    "$(sort -s -t- -k1,1 "$OUT_FILE")"
# Lines far longer than a pipe's buffer, written in pieces by three jobs at once.
long='for i in 1 2 3 4; do head -c 300000 /dev/zero | tr "\0" {}; sleep 0.1; done; echo; printf {}{}{}"\n"'
run "$FANOUT" --line-buffer -j3 "$long" ::: a b c
assert_status "--line-buffer, 1.2 MB lines: exit status" 0
assert_eq "--line-buffer, 1.2 MB lines: each line from one job only" "" "$(grep -vxE 'a+|b+|c+' "$OUT_FILE" | cut -c1-80)"
assert_eq "--line-buffer, 1.2 MB lines: line lengths" "$(printf '1200000\n1200000\n1200000\n3\n3\n3')" \
    "$(awk '{ print length($0) }' "$OUT_FILE" | sort -rn)"

# --- -u: passthrough, all output arrives ----------------------------------------------------------
run "$FANOUT" -u -j4 'seq 2000 | sed s/^/{}-/' ::: 1 2 3 4
assert_status "-u: exit status" 0
assert_eq "-u: every byte arrives" "$(for j in 1 2 3 4; do seq 2000 | sed "s/^/$j-/"; done | wc -c)" \
    "$(wc -c <"$OUT_FILE")"
run "$FANOUT" --ungroup -j1 'echo {}; echo e{} >&2' ::: a b c
assert_eq "--ungroup -j1: stdout in order" $'a\nb\nc' "$OUT"
assert_eq "--ungroup -j1: stderr in order" $'ea\neb\nec' "$ERR"

# --- --tag and --tagstring ---------------------------------------------------------------------------
run "$FANOUT" -k --tag echo x ::: a b
assert_eq "--tag prefixes the arguments and a TAB" $'a\tx a\nb\tx b' "$OUT"
run "$FANOUT" -k --tag 'printf "1\n2\n"; : {}' ::: a 'b c'
assert_eq "--tag prefixes every line" $'a\t1\na\t2\nb c\t1\nb c\t2' "$OUT"
run "$FANOUT" -k --tagstring 'X{}' echo y ::: a b
assert_eq "--tagstring 'X{}'" $'Xa\ty a\nXb\ty b' "$OUT"
run "$FANOUT" -k --tagstring '{#}:{.}' echo ::: f.txt g.c
assert_eq "--tagstring with {#} and {.}" $'1:f\tf.txt\n2:g\tg.c' "$OUT"
run "$FANOUT" -k --tag -j4 'sleep {}; echo {}' ::: 0.3 0.1
assert_eq "--tag with -k" $'0.3\t0.3\n0.1\t0.1' "$OUT"
run "$FANOUT" --line-buffer --tag 'echo {}' ::: a
assert_eq "--tag with --line-buffer" $'a\ta' "$OUT"
run "$FANOUT" --line-buffer --tag 'printf "1\r2\r\n3"; : {}' ::: a
assert_eq "--tag with --line-buffer: a CR ends a line too, as in GNU parallel" $'a\t1\ra\t2\ra\t\na\t3' "$OUT"
# GNU parallel ignores --tag and --tagstring with -u, and a --tagstring of 0 (false in
# perl): refused rather than done otherwise.
run "$FANOUT" -u --tag echo ::: a
assert_usage_error "-u --tag" "--tag cannot be used with -u/--ungroup"
run "$FANOUT" -u --tagstring x echo ::: a
assert_usage_error "-u --tagstring" "--tagstring cannot be used with -u/--ungroup"
run "$FANOUT" --tagstring 0 echo ::: a
assert_usage_error "--tagstring 0" "--tagstring 0"

# --- large outputs arrive whole -----------------------------------------------------------------------
head -c 104857600 /dev/urandom >big
for mode in --group -k --line-buffer -u; do
    run --timeout 120 "$FANOUT" "$mode" cat ::: big
    assert_status "100 MiB ($mode): exit status" 0
    assert_file_eq "100 MiB from one job ($mode) arrives complete" big "$OUT_FILE"
    rm -f "$OUT_FILE"
done
head -c 52428800 big >half1
tail -c 52428800 big >half2
rm -f big
run --timeout 120 "$FANOUT" -j2 cat ::: half1 half2
assert_status "two jobs of 50 MiB: exit status" 0
cat half2 half1 >swapped
if cmp -s <(cat half1 half2) "$OUT_FILE" || cmp -s swapped "$OUT_FILE"; then
    pass
else
    fail "two jobs of 50 MiB under --group: each output contiguous" \
        "the output ($(wc -c <"$OUT_FILE") bytes) is neither half1+half2 nor half2+half1"
fi
rm -f "$OUT_FILE" half1 half2 swapped

# --- a grandchild holding the output pipe does not hang fanout -----------------------------------------
for mode in --group -k --line-buffer; do
    fresh_dir "grandchild$RUN_N"
    run --timeout 20 "$FANOUT" "$mode" 'sleep 30 & echo $! >{}.pid; echo done' ::: gc
    kill_at_exit gc.pid
    assert_status "grandchild holding stdout ($mode): fanout ends (timeout 20 s would give 124)" 0
    assert_eq "grandchild holding stdout ($mode): the job's output arrives" "done" "$OUT"
    kill_recorded
done
fresh_dir grandchild_k
run --timeout 20 "$FANOUT" -k -j1 'sleep 30 & echo $! >{}.pid; echo done {}' ::: g1 g2
kill_at_exit g1.pid
kill_at_exit g2.pid
assert_status "grandchildren holding stdout (-k, two jobs): fanout ends" 0
assert_eq "grandchildren holding stdout (-k, two jobs): both outputs arrive" $'done g1\ndone g2' "$OUT"
kill_recorded
cd "$T" || exit 1

end_of_tests
