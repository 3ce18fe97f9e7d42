# Each job: its own process group, stdin from /dev/null, FANOUT_SEQ/FANOUT_SLOT and
# PARALLEL_SEQ/PARALLEL_JOBSLOT in its environment; a thousand jobs in a row.
# shellcheck source=lib.sh disable=SC1083,SC2016 # literal braces and unexpanded $ are the point
source "$(dirname "$0")/lib.sh"

# --- process group ----------------------------------------------------------------------
run "$FANOUT" -q sh -c 'echo $(ps -o pgid= -p $$) $$' ::: x
assert_status "pgid (direct): exit status" 0
assert_match "pgid (direct): the job is its own process group leader" '^([0-9]+) \1$' "$OUT"
run "$FANOUT" 'echo $(ps -o pgid= -p $$) $$; : {}' ::: x
assert_match "pgid (shell): the job is its own process group leader" '^([0-9]+) \1$' "$OUT"
run "$FANOUT" -u -q sh -c 'echo $(ps -o pgid= -p $$) $$' ::: x
assert_match "pgid (-u): the job is its own process group leader" '^([0-9]+) \1$' "$OUT"
run "$FANOUT" -j3 -q sh -c 'echo $(ps -o pgid= -p $$) $$' ::: 1 2 3 4 5 6
assert_eq "pgid: six jobs, six process groups" 6 "$(awk '$1 == $2' "$OUT_FILE" | sort -u | wc -l)"

# --- stdin is /dev/null ---------------------------------------------------------------------
run "$FANOUT" -q sh -c 'readlink /proc/$$/fd/0' ::: x
assert_eq "a job's stdin is /dev/null" /dev/null "$OUT"
run --input $'a\n' "$FANOUT" -q sh -c 'readlink /proc/$$/fd/0'
assert_eq "a job's stdin is /dev/null when fanout reads records from stdin" /dev/null "$OUT"
run "$FANOUT" -u -q sh -c 'readlink /proc/$$/fd/0' ::: x
assert_eq "a job's stdin is /dev/null with -u" /dev/null "$OUT"
# 'cat' as a task: with fanout's stdin it would swallow the next task ("echo end") or
# wait for the producer; with /dev/null it ends at once and prints nothing.
(printf 'cat\n'; sleep 2; printf 'echo end\n') | timeout -k 5 "$(scaled 20)" "$FANOUT" -k >cat_out.txt 2>cat_err.txt
status=$?
assert_eq "a task 'cat' ends at once: exit status" 0 "$status"
assert_eq "a task 'cat' reads nothing from fanout's stdin" end "$(cat cat_out.txt)"
run --input $'x\ny\n' "$FANOUT" -N0 cat
assert_eq "-N0 cat with records on stdin: no output" "" "$OUT"
assert_status "-N0 cat: exit status" 0

# --- environment ---------------------------------------------------------------------------
run "$FANOUT" -k -j1 'echo $FANOUT_SEQ $FANOUT_SLOT $PARALLEL_SEQ $PARALLEL_JOBSLOT {}' ::: a b c
assert_eq "-j1: FANOUT_SEQ FANOUT_SLOT PARALLEL_SEQ PARALLEL_JOBSLOT" $'1 1 1 1 a\n2 1 2 1 b\n3 1 3 1 c' "$OUT"
run "$FANOUT" -j3 'sleep 0.1; echo {#} {%} $FANOUT_SEQ $FANOUT_SLOT $PARALLEL_SEQ $PARALLEL_JOBSLOT' ::: $(seq 12)
assert_eq "-j3: 12 jobs" 12 "$(line_count "$OUT_FILE")"
assert_eq "-j3: FANOUT_SEQ and PARALLEL_SEQ equal {#}" "" "$(awk '!($1 == $3 && $1 == $5)' "$OUT_FILE")"
assert_eq "-j3: FANOUT_SLOT and PARALLEL_JOBSLOT equal {%}" "" "$(awk '!($2 == $4 && $2 == $6)' "$OUT_FILE")"
assert_eq "-j3: the slot is within 1..3" "" "$(awk '$4 !~ /^[123]$/' "$OUT_FILE")"
assert_eq "-j3: sequence numbers 1..12" "$(seq 12)" "$(awk '{ print $3 }' "$OUT_FILE" | sort -n)"
run "$FANOUT" -k -N0 env ::: a b
assert_eq "direct execution: FANOUT_SEQ in the environment" $'FANOUT_SEQ=1\nFANOUT_SEQ=2' "$(grep '^FANOUT_SEQ=' "$OUT_FILE")"
assert_eq "direct execution: PARALLEL_JOBSLOT in the environment" 2 "$(grep -c '^PARALLEL_JOBSLOT=[0-9]' "$OUT_FILE")"
# --process-slot-var NAME (xargs, GNU parallel): NAME is the slot number less one.
run "$FANOUT" -j3 --process-slot-var=SLOT0 'sleep 0.1; echo $SLOT0 $PARALLEL_JOBSLOT' ::: $(seq 9)
assert_eq "--process-slot-var: 9 jobs" 9 "$(line_count "$OUT_FILE")"
assert_eq "--process-slot-var: one less than the slot" "" "$(awk '$1 != $2 - 1' "$OUT_FILE")"
run env SLOT0=outer "$FANOUT" -k -j1 --process-slot-var SLOT0 -N0 printenv SLOT0 ::: a b
assert_eq "--process-slot-var: replaces a variable of that name" $'0\n0' "$OUT"
run "$FANOUT" --process-slot-var 'a-b' true ::: a
assert_usage_error "--process-slot-var: not a variable name" "--process-slot-var: 'a-b' is not a variable name"
run "$FANOUT" -S 1/host --process-slot-var X true ::: a
assert_usage_error "--process-slot-var with -S" "--process-slot-var"
run env FANOUT_E2E_MARK=inherited "$FANOUT" -N0 printenv FANOUT_E2E_MARK ::: a
assert_eq "jobs inherit fanout's environment" inherited "$OUT"
mkdir -p "$T/here"
run sh -c 'cd "$1" && exec "$2" -N0 pwd ::: a' _ "$T/here" "$FANOUT"
assert_eq "jobs run in fanout's working directory" "$T/here" "$OUT"

# --- how a job starts: signal state, descriptors, exec failures -----------------------------
# Jobs are started with vfork + exec: the child must reset what fanout changed (SIGPIPE
# ignored, the waited-for signals blocked), but what fanout's caller ignored stays
# ignored for the jobs, as with make (nohup, a script's &).
# exec: the mask read is the one the job started with (a shell blocks every signal
# while it waits for a child, so reading the waiting shell's own mask is a race).
printf '#!/bin/sh\nexec grep -E "^Sig(Blk|Ign)" /proc/self/status\n' >sigstate.sh
chmod +x sigstate.sh
run "$FANOUT" -q ./sigstate.sh ::: x
assert_contains "a job starts with no signal blocked" $'SigBlk:\t0000000000000000' "$OUT"
assert_contains "a job starts with no signal ignored" $'SigIgn:\t0000000000000000' "$OUT"
run bash -c 'trap "" INT TERM HUP PIPE; exec "$0" -q ./sigstate.sh ::: x' "$FANOUT"
assert_contains "fanout started with INT TERM HUP PIPE ignored: the job ignores all four (bits 2, 15, 1, 13)" \
    $'SigIgn:\t0000000000005003' "$OUT"
run bash -c 'trap "" QUIT; exec "$0" -q ./sigstate.sh ::: x' "$FANOUT"
assert_contains "an inherited ignored SIGQUIT stays ignored, as with exec" $'SigIgn:\t0000000000000004' "$OUT"

# Started with 0, 1 or 2 closed, fanout must not hand out those numbers: a job would read
# from or write into fanout's own signalfd or pipes.
printf '#!/bin/sh\nfor fd in 0 1 2; do printf "%%s " "$(readlink /proc/$$/fd/$fd | cut -d: -f1)"; done\ncat; echo "cat=$?"\n' >fds.sh
chmod +x fds.sh
run bash -c 'exec "$0" -k ./fds.sh ::: a b 0<&-' "$FANOUT"
assert_eq "stdin closed: each job reads /dev/null, writes into pipes" $'/dev/null pipe pipe cat=0\n/dev/null pipe pipe cat=0' "$OUT"
assert_status "stdin closed: exit status" 0
run bash -c 'exec "$0" -k "echo out {}; echo err {} >&2" ::: a b 2>&-' "$FANOUT"
assert_eq "stderr closed: stdout still carries every line" $'out a\nout b' "$OUT"
assert_status "stderr closed: exit status" 0
run bash -c 'exec "$0" -k "echo out {}; echo err {} >&2" ::: a b >&-' "$FANOUT"
assert_eq "stdout closed: stderr carries only the jobs' stderr" $'err a\nerr b' "$ERR"
assert_status "stdout closed: exit status" 0

# exec fails in the child: the errno comes back to fanout, which names it.
printf 'echo never\n' >not_executable.sh
chmod 644 not_executable.sh
run "$FANOUT" ./not_executable.sh ::: x
assert_status "a command that is not executable: one failed job" 1
assert_contains "not executable: stderr gives the reason" "./not_executable.sh: Permission denied" "$ERR"
assert_eq "not executable: nothing ran" "" "$OUT"
run "$FANOUT" -j4 ./not_executable.sh ::: $(seq 40)
assert_status "40 jobs that cannot exec: 40 failed" 40
# The child whose exec failed is reaped at once, not left a zombie until fanout exits.
printf './not_executable.sh\nsleep 5\n' >exec_then_sleep.txt
"$FANOUT" -j2 <exec_then_sleep.txt >/dev/null 2>&1 &
fanout_pid=$!
for _ in $(seq $(($(scaled 10) * 10))); do
    ps -o comm= --ppid "$fanout_pid" | grep -qx sleep && break
    sleep 0.1
done
assert_eq "while a job runs: its failed-exec sibling is no zombie (children: state command)" "S sleep" \
    "$(ps -o stat=,comm= --ppid "$fanout_pid" | awk '{ print substr($1, 1, 1), $2 }')"
kill "$fanout_pid" 2>/dev/null
wait "$fanout_pid" 2>/dev/null

# --- while jobs run and nothing happens, fanout sleeps ------------------------------------------
# No timer wakes it (a 100 ms progress tick once did, with no progress shown): counted
# as voluntary context switches over a second in which its one job just sleeps.
"$FANOUT" "sleep 10 ; : {}" ::: x >/dev/null 2>&1 &
fanout_pid=$!
kill_at_exit "$fanout_pid"
sleeping_job() {
    local shell
    shell=$(pgrep -P "$fanout_pid") && pgrep -xP "$shell" sleep >/dev/null
}
assert_true "idle: the job runs" wait_until 20 sleeping_job
switches() { awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$fanout_pid/status"; }
before=$(switches)
sleep 1
after=$(switches)
assert_le "idle: fanout woke up at most once in a second (voluntary context switches)" 1 "$((after - before))"
kill "$fanout_pid" 2>/dev/null
wait "$fanout_pid" 2>/dev/null

# --- a thousand jobs --------------------------------------------------------------------------
seq 1000 >thousand.txt
run --stdin thousand.txt "$FANOUT" -j 50 true
assert_status "1000 jobs, 50 at a time: exit status" 0
run --stdin thousand.txt "$FANOUT" -k -j 8 echo
assert_eq "1000 jobs with -k: every output in order" "$(seq 1000)" "$OUT"
run --stdin thousand.txt "$FANOUT" -j 16 'exit $(({} % 2))'
assert_status "1000 jobs, 500 failing: 101" 101

end_of_tests
