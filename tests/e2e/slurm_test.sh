# --slurm on a real Slurm cluster on loopback (slurm_lib.sh: munged, slurmctld and three
# slurmd on this machine): inside an allocation the jobs run on its nodes, one worker
# step per node, with the same output as a local run; slots per node and --cpus-per-task
# are respected; hostile arguments survive; the joblog names the node; --timeout,
# --retries, --halt, --tasks and --results work there; a worker step killed, cancelled or
# a node gone mid-run loses no job; Ctrl-C and scancel leave no step and no process.
# shellcheck source=lib.sh disable=SC2016 # unexpanded $ is the point
source "$(dirname "$0")/lib.sh"
# shellcheck source=slurm_lib.sh
source "$FANOUT_SRC/tests/e2e/slurm_lib.sh"

export LC_ALL=C
RUN_TIMEOUT=120

# --- usage errors need no cluster ----------------------------------------------------------
(
    unset SLURM_JOB_ID SLURM_JOB_NODELIST SLURM_JOB_CPUS_PER_NODE
    run "$FANOUT" --slurm --joblog outside.tsv --results outside echo ::: a
    assert_usage_error "--slurm outside an allocation" "not one"
    assert_no_file "--slurm outside an allocation: no joblog is written" outside.tsv
    assert_no_file "--slurm outside an allocation: no --results tree is made" outside
)
# Ctrl-C while scontrol waits for a slurmctld that does not answer ends fanout at once,
# by the signal, not as if scontrol had timed out (SIGINT blocked, as a launcher may hand
# it over, so that fanout takes it from its pending set).
mkdir -p hanging_bin
printf '#!/bin/sh\nexec sleep 30%s\n' "$$" >hanging_bin/scontrol
chmod +x hanging_bin/scontrol
SLURM_JOB_ID=1 SLURM_JOB_NODELIST=n1 SLURM_JOB_CPUS_PER_NODE=1 PATH="$PWD/hanging_bin:$PATH" \
    env --default-signal=INT --block-signal=INT "$FANOUT" --slurm echo ::: a >scontrol_int.out 2>&1 &
pid=$!
kill_at_exit "$pid"
wait_until 10 pkill -0 -f "^sleep 30$$" # signal 0: a test that prints nothing
kill -INT "$pid"
timeout "$(scaled 10)" tail --pid="$pid" -f /dev/null
wait "$pid"
assert_eq "Ctrl-C while scontrol hangs: fanout dies by SIGINT" 130 "$?"
assert_eq "Ctrl-C while scontrol hangs: no message" "" "$(cat scontrol_int.out)"
run "$FANOUT" --cpus-per-task 2 echo ::: a
assert_usage_error "--cpus-per-task without --slurm" "--slurm"
run "$FANOUT" --cpus-per-task 0 --slurm echo ::: a
assert_usage_error "--cpus-per-task 0" "--cpus-per-task"
run "$FANOUT" --slurm -S host1 echo ::: a
assert_usage_error "--slurm with -S" "-S"
run "$FANOUT" --slurm --pipe cat
assert_usage_error "--slurm with --pipe" "--pipe"
run "$FANOUT" --slurm --serve-jobserver echo ::: a
assert_usage_error "--slurm with --serve-jobserver" "--serve-jobserver"
run "$FANOUT" --slurm-worker echo ::: a
assert_usage_error "--slurm-worker with a command" "--slurm-worker"

if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: the Slurm cluster of these tests needs root (slurmd runs jobs as their user)"
    end_of_tests
fi
if ! slurm_available; then
    fail "Slurm and munge are needed (scripts/dev.sh installs slurmctld, slurmd, slurm-client, munge)"
    end_of_tests
fi
if ! slurm_setup 3; then
    fail "slurm_setup 3: the loopback cluster did not start"
    end_of_tests
fi
HANG_REPORT_EXTRA="squeue -s; ps -eo pid,ppid,stat,etime,args --forest | grep -B2 -A8 -e slurmstepd -e 'fanout --slurm' | cut -c1-200 | head -n 80"

# The allocation the tests use: three nodes, two CPUs each.
ALLOC=(salloc --quiet --nodes=3 --ntasks-per-node=2 --time=10)

# For wait_until, which must evaluate its condition anew each time.
lines_at_least() { [ "$(wc -l 2>/dev/null <"$1" || echo 0)" -ge "$2" ]; }
running_at_least() { [ "$(pgrep -fc "$1")" -ge "$2" ]; }
none_running() { ! pgrep -f "$1" >/dev/null; }
# Of this test's cluster only: other tests may run workers of their own at the same time.
no_cluster_process() { [ -z "$(slurm_processes "$1")" ]; }
no_steps() { [ -z "$(slurm_steps)" ]; }
no_jobs() { [ -z "$(squeue -h)" ]; }

# The most jobs of each node at once, from "node start|end" lines in time order:
# "n1 2 n2 2 n3 2".
most_at_once() {
    awk '{ if ($2 == "start") { now[$1]++; if (now[$1] > most[$1]) most[$1] = now[$1] } else now[$1]-- }
         END { for (n in most) printf "%s %d\n", n, most[n] }' "$1" | sort | xargs
}

# --- the same output as a local run ------------------------------------------------------
seq 300 >300.txt
run "$FANOUT" -k 'echo {} $(({} * 7))' :::: 300.txt
local_out=$OUT
run "${ALLOC[@]}" "$FANOUT" --slurm -k --joblog jl.tsv 'echo {} $(({} * 7))' :::: 300.txt
assert_status "300 jobs over 3 nodes: exit 0" 0
assert_eq "300 jobs over 3 nodes: the output of a local run, in order" "$local_out" "$OUT"
assert_eq "300 jobs over 3 nodes: nothing on stderr" "" "$ERR"
assert_eq "the joblog's Host is the node: each of the three ran jobs" "n1 n2 n3" \
    "$(tail -n +2 jl.tsv | cut -f2 | sort -u | xargs)"
assert_eq "the joblog has 300 jobs" 300 "$(tail -n +2 jl.tsv | wc -l)"
assert_eq "no step is left after the run" "" "$(slurm_steps)"

run "${ALLOC[@]}" "$FANOUT" --slurm --tag 'echo $SLURMD_NODENAME $FANOUT_SLOT $PARALLEL_SEQ; echo err {} >&2' ::: a
assert_match "a job runs inside a node's step, with its slot and sequence number" "^a	n[123] [1-6] 1$" "$OUT"
assert_eq "a job's stderr comes back as stderr" "a	err a" "$ERR"

# An sbatch script, as the README shows one: fanout runs in the batch step.
cat >job.sbatch <<JOB
#!/bin/bash
#SBATCH --nodes=3
#SBATCH --exclusive
#SBATCH --output=$T/batch.out
"$FANOUT" --slurm --cpus-per-task 2 --joblog $T/batch.tsv -k 'echo {} \$SLURMD_NODENAME' ::: 1 2 3 4 5 6
JOB
run sbatch --wait --quiet job.sbatch
assert_status "sbatch --wait of a script running fanout --slurm: exit 0" 0
assert_match "sbatch: the jobs' output, in order, from the nodes" "^1 n[123].2 n[123].3 n[123].4 n[123].5 n[123].6 n[123]$" \
    "$(tr '\n' . <batch.out | sed 's/\.$//')"
assert_eq "sbatch: the joblog has 6 jobs" 6 "$(tail -n +2 batch.tsv | wc -l)"

# --- hostile arguments survive byte for byte ---------------------------------------------
args=('a b' "q'uote" '"dq"' '$(touch pwned)' '`x`' $'new\nline' '*' '\' ' lead' 'trail ' $'tab\there' '-n' 'é')
run "$FANOUT" -k printf '[%s]' ::: "${args[@]}"
local_out=$OUT
assert_eq "hostile arguments: the local run as expected" "[a b][q'uote][\"dq\"]" "${local_out:0:19}"
run "${ALLOC[@]}" "$FANOUT" --slurm -k printf '[%s]' ::: "${args[@]}"
assert_eq "hostile arguments, run directly: byte for byte" "$local_out" "$OUT"
run "${ALLOC[@]}" "$FANOUT" --slurm -k 'printf "[%s]" {}' ::: "${args[@]}"
assert_eq "hostile arguments, through the shell: byte for byte" "$local_out" "$OUT"
assert_no_file "no argument was run as a command" pwned
head -c 100000 /dev/urandom >binary.bin
run "${ALLOC[@]}" "$FANOUT" --slurm cat ::: binary.bin
assert_true "binary output (100 kB, every byte value) comes back unchanged" cmp -s binary.bin "$OUT_FILE"

# --- slots per node, -j and --cpus-per-task --------------------------------------------
# Jobs of a second: long enough that the two of a node overlap on a loaded machine too.
job='echo $SLURMD_NODENAME start >>times.log; sleep 1; echo $SLURMD_NODENAME end >>times.log'
: >times.log
run "${ALLOC[@]}" "$FANOUT" --slurm "$job" ::: $(seq 12)
assert_status "12 jobs of 1 s: exit 0" 0
assert_eq "two CPUs a node: two jobs at once on each node, never more" "n1 2 n2 2 n3 2" "$(most_at_once times.log)"
: >times.log
run "${ALLOC[@]}" "$FANOUT" --slurm --cpus-per-task 2 "$job" ::: $(seq 9)
assert_eq "--cpus-per-task 2: one job at a time on each node" "n1 1 n2 1 n3 1" "$(most_at_once times.log)"
: >times.log
run "${ALLOC[@]}" "$FANOUT" --slurm -j 1 "$job" ::: $(seq 9)
assert_eq "-j 1: one job at a time on each node" "n1 1 n2 1 n3 1" "$(most_at_once times.log)"
run "${ALLOC[@]}" "$FANOUT" --slurm --cpus-per-task 3 true ::: a
assert_usage_error "--cpus-per-task more than a node has" "no node"
run salloc --quiet --nodes=2 sh -c 'echo $SLURM_JOB_CPUS_PER_NODE'
assert_eq "salloc -N2 gives one CPU a node here" "1(x2)" "$OUT"

# --- what the rest of fanout offers works the same -----------------------------------------
run "${ALLOC[@]}" "$FANOUT" --slurm --timeout 1 "sleep 20.$MARK" ::: a
assert_status "--timeout ends a job on its node: 1 failed" 1
assert_true "--timeout: the job is gone" wait_until 10 none_running "^sleep 20.$MARK"
run "${ALLOC[@]}" "$FANOUT" --slurm --retries 3 --joblog retries.tsv 'echo try >>tries.txt; exit 3' ::: a
assert_status "--retries 3 of a failing job: 1 failed" 1
assert_eq "--retries 3: three attempts, on the nodes" 3 "$(wc -l <tries.txt)"
run "${ALLOC[@]}" "$FANOUT" --slurm -j1 --halt now,fail=1 'sleep 0.{}; exit {}' ::: 0 1 9 9 9 9 9 9 9
assert_status "--halt now,fail=1: the failing job's status" 1
run "${ALLOC[@]}" "$FANOUT" --slurm --results res -k 'echo out {}; echo err {} >&2' ::: x y
assert_eq "--results DIR: the tree holds each job's stdout" "out x" "$(cat res/1/x/stdout)"
assert_eq "--results DIR: and its stderr" "err y" "$(cat res/1/y/stderr)"
printf '%s\n' '{"id": "one", "cmd": "echo task one on $SLURMD_NODENAME"}' '{"id": "two", "cmd": "echo two"}' >tasks.jsonl
run "${ALLOC[@]}" "$FANOUT" --slurm -k --tasks tasks.jsonl
assert_match "--tasks: a JSON task list runs on the nodes" "^task\.one\.on\.n[123]\.two$" "$(echo "$OUT" | xargs | tr ' ' .)"
run "${ALLOC[@]}" "$FANOUT" --slurm 'no-such-command-{}' ::: x
assert_status "a command not found on the node: exit 1" 1
assert_contains "a command not found on the node: said on stderr" "no-such-command-x" "$ERR"
run "${ALLOC[@]}" "$FANOUT" --slurm --junit junit.xml -k 'echo {}; exit {}' ::: 0 3
assert_status "--junit: one failed" 1
assert_eq "--junit: two test cases, one failure" "2 1" \
    "$(xmllint --xpath 'concat(count(//testcase), " ", count(//testcase/failure))' junit.xml)"
run "$FANOUT" --line-buffer --tag 'for i in 1 2 3; do echo {}$i; sleep 0.0{}; done' ::: 1 2 3
local_out=$(sort <<<"$OUT")
run "${ALLOC[@]}" "$FANOUT" --slurm --line-buffer --tag 'for i in 1 2 3; do echo {}$i; sleep 0.0{}; done' ::: 1 2 3
assert_eq "--line-buffer --tag: every line whole and tagged" "$local_out" "$(sort <<<"$OUT")"
run "${ALLOC[@]}" "$FANOUT" --slurm -u 'printf "%s\n" {}' ::: a b c
assert_eq "-u: the output as it comes" "a b c" "$(sort <<<"$OUT" | xargs)"
f() { echo "f:$1"; }
export -f f
run "${ALLOC[@]}" "$FANOUT" --slurm f ::: a
assert_eq "an exported bash function runs on a node" "f:a" "$OUT"
unset -f f

# --- Ctrl-Z stops the jobs on the nodes, and fanout itself ---------------------------------
cat >inner_tstp.sh <<INNER
"$FANOUT" --slurm -j1 "echo \\\$\\\$ > pid.{}; exec sleep 2.$MARK" ::: a b >tstp.out 2>tstp.err &
pid=\$!
for i in \$(seq 600); do [ -s pid.a ] && [ -s pid.b ] && break; sleep 0.1; done
kill -TSTP \$pid
state() { awk '{ print \$3 }' /proc/\$1/stat 2>/dev/null; }
states() { echo "\$(state \$pid) \$(state \$(cat pid.a)) \$(state \$(cat pid.b))"; }
for i in \$(seq 200); do [ "\$(states)" = "T T T" ] && break; sleep 0.1; done
states >tstp.states
sleep 2.5 # longer than the jobs' own 2.x s: a stopped job does not end
echo "\$(state \$(cat pid.a))" >tstp.later
kill -CONT \$pid
wait \$pid
echo \$? >tstp.status
INNER
run "${ALLOC[@]}" bash inner_tstp.sh
assert_eq "SIGTSTP: fanout and the jobs on the nodes are stopped" "T T T" "$(cat tstp.states)"
assert_eq "SIGTSTP: a stopped job does not end while stopped" "T" "$(cat tstp.later)"
assert_eq "SIGCONT: the run finishes normally" 0 "$(cat tstp.status)"
assert_eq "SIGCONT: nothing on stderr" "" "$(cat tstp.err)"

# --- a worker step cancelled mid-run loses no job ------------------------------------------
seq 40 >40.txt
# forty_started NAME [SALLOC_OPTION...]: 40 jobs of half a second in the background,
# output in NAME.out, NAME.err and NAME.tsv (the joblog); returns once 6 have ended.
forty_started() {
    local name=$1
    shift
    "${ALLOC[@]}" "$@" "$FANOUT" --slurm --joblog "$name.tsv" "sleep 0.5$MARK; echo {}" <40.txt \
        >"$name.out" 2>"$name.err" &
    pid=$!
    kill_at_exit "$pid"
    wait_until 60 lines_at_least "$name.out" 6
}
# forty_ended: waits for the run forty_started began; sets status.
forty_ended() {
    timeout "$(scaled 180)" tail --pid="$pid" -f /dev/null
    wait "$pid"
    status=$?
}

forty_started cancel
step=$(squeue -s -h -o '%i %j %N' | awk '$2 == "fanout-worker" && $3 == "n2" { print $1 }')
assert_match "the worker step of n2 is found" "^[0-9]+\.[0-9]+$" "$step"
scancel "$step"
forty_ended
assert_eq "n2's step cancelled mid-run: exit 0" 0 "$status"
assert_eq "n2's step cancelled mid-run: every job's output exactly once" "$(seq 40)" "$(sort -n cancel.out)"
assert_eq "n2's step cancelled mid-run: one warning about n2" 1 "$(grep -c 'node n2 is lost' cancel.err)"
assert_eq "n2's step cancelled mid-run: the joblog has 40 jobs, all done" "40 0" \
    "$(tail -n +2 cancel.tsv | awk '{ n++; if ($7 != 0) bad++ } END { print n, bad + 0 }')"

# --- every worker step cancelled: the jobs not yet run are not run ------------------------
forty_started allgone
scancel $(squeue -s -h -o '%i %j' | awk '$2 == "fanout-worker" { print $1 }')
forty_ended
assert_eq "every worker step cancelled: exit 255" 255 "$status"
assert_contains "every worker step cancelled: said in one line" "every node of the allocation is down" "$(cat allgone.err)"
assert_eq "every worker step cancelled: no job recorded twice, none failed" "" \
    "$(tail -n +2 allgone.tsv | awk '{ if (seen[$1]++ || $7 != 0) print }')"

# --- a node that goes down mid-run loses no job ------------------------------------------
# Slurm ends the whole allocation when one of its nodes fails, unless it was made with
# --no-kill: then the allocation goes on without the node, and so does fanout.
forty_started down --no-kill
slurm_kill_node 3 down
forty_ended
assert_eq "n3 down mid-run: exit 0" 0 "$status"
assert_eq "n3 down mid-run: every job's output exactly once" "$(seq 40)" "$(sort -n down.out)"
assert_eq "n3 down mid-run: one warning about n3" 1 "$(grep -c 'node n3 is lost' down.err)"
assert_eq "n3 down mid-run: no job on n3 finished after it went" "" \
    "$(tail -n +2 down.tsv | awk '$2 == "n3" && $7 != 0')"
slurm_revive_node 3

# --- a run halted amid a flood of output hears every job's end -----------------------------
# The workers' steps end only once fanout has what they sent: slurmstepd dropped the
# rest of a flood (srun: "io error with slurmstepd"), so the stopped jobs were lost.
timeout "$(scaled 120)" "${ALLOC[@]}" "$FANOUT" --slurm --halt now,fail=1 --joblog flood.tsv \
    "if [ {} = 3 ]; then sleep 1; exit 3; fi; yes flood$MARK" ::: 1 2 3 4 5 6 >/dev/null 2>flood.err
assert_eq "--halt now amid a flood of output: exit 3" 3 "$?"
assert_eq "--halt now amid a flood of output: one job failed, the five others were stopped by SIGTERM" \
    "1 5 0" "$(tail -n +2 flood.tsv | awk '{ if ($7 == 3) f++; else if ($8 == 15) t++; else o++ } END { print f + 0, t + 0, o + 0 }')"
assert_eq "--halt now amid a flood of output: srun lost nothing" 0 "$(grep -c 'io error' flood.err)"
assert_eq "--halt now amid a flood of output: no step is left" "" "$(slurm_steps)"

# --- Ctrl-C and scancel leave nothing -----------------------------------------------------
cat >inner.sh <<INNER
env --default-signal=INT "$FANOUT" --slurm "sleep 30.$MARK; echo not reached" ::: 1 2 3 4 5 6 >int.out 2>int.err &
pid=\$!
for i in \$(seq 600); do [ "\$(pgrep -fc '^sleep 30.$MARK')" -ge 6 ] && break; sleep 0.1; done
pgrep -fc '^sleep 30.$MARK' >int.running
kill -INT \$pid
wait \$pid
echo \$? >int.status
for i in \$(seq 100); do [ -z "\$(squeue -s -h -j \$SLURM_JOB_ID)" ] && break; sleep 0.1; done
squeue -s -h -j \$SLURM_JOB_ID >int.steps
INNER
run "${ALLOC[@]}" bash inner.sh
assert_eq "Ctrl-C: six jobs were running on the nodes" 6 "$(cat int.running)"
assert_eq "Ctrl-C: fanout dies by SIGINT" 130 "$(cat int.status)"
assert_eq "Ctrl-C: no step is left in the allocation" "" "$(cat int.steps)"
assert_eq "Ctrl-C: no job went on to its end" "" "$(cat int.out)"
assert_true "Ctrl-C: no job process is left" wait_until 10 none_running "^sleep 30.$MARK"

"${ALLOC[@]}" "$FANOUT" --slurm "sleep 31.$MARK" ::: 1 2 3 4 5 6 >scancel.out 2>scancel.err &
pid=$!
kill_at_exit "$pid"
wait_until 60 running_at_least "^sleep 31.$MARK" 6
scancel "$(squeue -h -o %i | head -n 1)"
timeout "$(scaled 60)" tail --pid="$pid" -f /dev/null
assert_true "scancel of the allocation: salloc and fanout end" wait_until 30 none_running "^salloc.*sleep 31.$MARK"
assert_true "scancel of the allocation: no job process is left" wait_until 30 none_running "^sleep 31.$MARK"
assert_true "scancel of the allocation: no worker is left" wait_until 30 no_cluster_process "slurm-worker"
assert_true "scancel of the allocation: no step and no job is left" wait_until 30 no_jobs

end_of_tests
