# Signals sent to fanout: SIGINT (Ctrl-C) stops every job and everything the jobs
# started, logs them, and fanout dies by SIGINT; a job that ignores SIGINT and SIGTERM
# still ends by the termination sequence; a second SIGINT kills at once; SIGTERM and
# SIGHUP; a reader that goes away (| head) stops fanout quietly by SIGPIPE; SIGTSTP
# stops the jobs and fanout, SIGCONT resumes them. A signal ignored when fanout starts
# (nohup, a script's &) stays ignored, by fanout and by the jobs. Every group, also one
# whose job has exited, goes through the whole termination sequence before fanout ends;
# SIGUSR1 lists the running jobs; every other signal that would end fanout stops the
# run as SIGTERM does.
# shellcheck source=lib.sh disable=SC1083,SC2016,SC2317 # literal braces and unexpanded $ are the point; wait_until calls the small functions
source "$(dirname "$0")/lib.sh"

marker_count() {
    pgrep -fc "^sleep [0-9]+\.$MARK" || true
}

# at_least_markers N: at least N marker sleeps are running.
at_least_markers() {
    [ "$(marker_count)" -ge "$1" ]
}

# --- Ctrl-C during 50 jobs that each started a background process --------------------------------
fresh_dir sigint
{
    for _ in 1 2 3 4 5; do echo 0; done
    for _ in $(seq 50); do echo "60.$MARK"; done
} >input.txt
# The default sequence sends TERM 200 ms after the INT; on a loaded CI machine a few of the 50
# shells took longer than that to act on the INT, so this run gives them 3 s.
start_fanout --stdin input.txt -j50 --joblog log.tsv --termseq TERM,3000,TERM,100,KILL,25 'sleep {} & sleep {}'
# 50 long jobs with two sleeps each: all are running, so the 5 quick ones have ended.
assert_true "SIGINT: all 50 long jobs and their background sleeps are running" wait_until 30 at_least_markers 100
kill -INT "$FANOUT_PID"
wait_exit 30
assert_eq "SIGINT: fanout's exit status is 130 (it dies by SIGINT)" 130 "$STATUS"
assert_true "SIGINT: no process of the run is left (jobs and background sleeps)" wait_until 5 no_leftover
assert_eq "SIGINT: the joblog has the header and a line for each of the 55 jobs" 56 "$(line_count log.tsv)"
assert_eq "SIGINT: each job is logged once" "$(seq 55)" "$(awk -F'\t' 'NR > 1 { print $1 }' log.tsv | sort -n)"
assert_eq "SIGINT: the 5 jobs that finished before it are logged as succeeded" $'0 0\n0 0\n0 0\n0 0\n0 0' \
    "$(awk -F'\t' 'NR > 1 && $1 <= 5 { print $7, $8 }' log.tsv)"
assert_eq "SIGINT: the 50 killed jobs are logged with Exitval 0 and Signal 2" 50 \
    "$(awk -F'\t' 'NR > 1 && $1 > 5 && $7 == 0 && $8 == 2' log.tsv | wc -l)"
assert_contains "SIGINT: the failure summary follows" "fanout: 50 of 55 jobs failed:" "$(cat err.txt)"
assert_contains "SIGINT: the summary names the signal" "(signal INT)" "$(cat err.txt)"
assert_contains "SIGINT: the summary is cut after 10 jobs" "  ... and 40 more" "$(cat err.txt)"
kill_leftovers

# --- a job that ignores SIGINT and SIGTERM ------------------------------------------------------------------
fresh_dir stubborn
start_fanout --joblog log.tsv "trap '' INT TERM; sleep 60.$MARK; : {}" ::: x
assert_true "stubborn job: running" wait_until 20 at_least_markers 1
kill -INT "$FANOUT_PID"
wait_exit 20
assert_eq "stubborn job: fanout still ends by SIGINT (130)" 130 "$STATUS"
assert_le "stubborn job: the termination sequence ends it well before its 60 s (ms)" "$(scaled_ms 15 60)" "$ELAPSED_MS"
assert_true "stubborn job: no process is left" wait_until 5 no_leftover
assert_eq "stubborn job: the joblog has it, killed by the sequence's SIGKILL" 9 \
    "$(awk -F'\t' 'NR == 2 { print $8 }' log.tsv)"
kill_leftovers

# --- a second SIGINT kills at once -----------------------------------------------------------------------------
fresh_dir second_sigint
start_fanout --termseq TERM,60000,KILL,25 "trap '' INT TERM; sleep 60.$MARK; : {}" ::: x
assert_true "second SIGINT: the job is running" wait_until 20 at_least_markers 1
kill -INT "$FANOUT_PID"
sleep 0.5
assert_eq "second SIGINT: after the first, fanout waits out the sequence (job ignores TERM)" 1 \
    "$(kill -0 "$FANOUT_PID" 2>/dev/null && echo 1)"
kill -INT "$FANOUT_PID"
wait_exit 20
assert_eq "second SIGINT: fanout ends by SIGINT (130)" 130 "$STATUS"
assert_le "second SIGINT: ends at once, not after the sequence's 60 s (ms)" "$(scaled_ms 10 60)" "$ELAPSED_MS"
assert_true "second SIGINT: no process is left" wait_until 5 no_leftover
assert_contains "second SIGINT: the summary shows the job killed" "job 1 (signal KILL)" "$(cat err.txt)"
kill_leftovers

# --- SIGTERM and SIGHUP --------------------------------------------------------------------------------------
fresh_dir sigterm
start_fanout -j2 "sleep 60.$MARK & sleep 60.$MARK; : {}" ::: a b
assert_true "SIGTERM: the jobs are running" wait_until 20 at_least_markers 4
kill -TERM "$FANOUT_PID"
wait_exit 20
assert_eq "SIGTERM: fanout dies by SIGTERM (143)" 143 "$STATUS"
assert_true "SIGTERM: no process is left" wait_until 5 no_leftover
assert_contains "SIGTERM: the failure summary" "fanout: 2 of 2 jobs failed:" "$(cat err.txt)"
kill_leftovers

fresh_dir sighup
start_fanout -j2 "sleep 60.$MARK & sleep 60.$MARK; : {}" ::: a b
assert_true "SIGHUP: the jobs are running" wait_until 20 at_least_markers 4
kill -HUP "$FANOUT_PID"
wait_exit 20
assert_eq "SIGHUP: fanout dies by SIGHUP (129)" 129 "$STATUS"
assert_true "SIGHUP: no process is left" wait_until 5 no_leftover
kill_leftovers

# --- the reader goes away: SIGPIPE -------------------------------------------------------------------------
fresh_dir sigpipe
RUN_CMD="fanout -k echo ::: \$(seq 1000) | head -1"
ERR_FILE=$PWD/err.txt
timeout -k 5 "$(scaled 60)" "$FANOUT" -k echo ::: $(seq 1000) 2>err.txt | head -1 >out.txt
statuses=("${PIPESTATUS[@]}")
assert_eq "| head -1, -k: one line" 1 "$(cat out.txt)"
assert_eq "| head -1, -k: nothing on stderr" "" "$(cat err.txt)"
assert_eq "| head -1, -k: fanout dies by SIGPIPE (141)" 141 "${statuses[0]}"

timeout -k 5 "$(scaled 60)" "$FANOUT" echo ::: $(seq 1000) 2>err.txt | head -1 >out.txt
statuses=("${PIPESTATUS[@]}")
assert_eq "| head -1, --group: one line" 1 "$(line_count out.txt)"
assert_eq "| head -1, --group: nothing on stderr" "" "$(cat err.txt)"
assert_eq "| head -1, --group: fanout dies by SIGPIPE (141)" 141 "${statuses[0]}"

timeout -k 5 "$(scaled 60)" "$FANOUT" -k 'seq 200000; : {}' ::: a b c 2>err.txt | head -1 >out.txt
statuses=("${PIPESTATUS[@]}")
assert_eq "| head -1, large outputs: the first line" 1 "$(cat out.txt)"
assert_eq "| head -1, large outputs: nothing on stderr" "" "$(cat err.txt)"
assert_eq "| head -1, large outputs: fanout dies by SIGPIPE (141)" 141 "${statuses[0]}"

# --- SIGTSTP and SIGCONT -----------------------------------------------------------------------------------
fresh_dir sigtstp
start_fanout -j2 "echo \$\$ > pid.{}; exec sleep 1.$MARK" ::: a b
pid_files_written() { [ -s pid.a ] && [ -s pid.b ]; }
assert_true "SIGTSTP: both jobs started" wait_until 20 pid_files_written
job_a=$(cat pid.a 2>/dev/null)
job_b=$(cat pid.b 2>/dev/null)
kill -TSTP "$FANOUT_PID"
is_stopped() { [ "$(proc_state "$1")" == T ]; }
assert_true "SIGTSTP: fanout stops itself" wait_until 5 is_stopped "$FANOUT_PID"
assert_true "SIGTSTP: job a is stopped" wait_until 5 is_stopped "$job_a"
assert_true "SIGTSTP: job b is stopped" wait_until 5 is_stopped "$job_b"
# Longer than the jobs' own 1.x s: stopped jobs do not end.
sleep 2
assert_eq "SIGTSTP: job a is still there, stopped, after its run time" T "$(proc_state "$job_a")"
assert_eq "SIGTSTP: fanout is still stopped" T "$(proc_state "$FANOUT_PID")"
kill -CONT "$FANOUT_PID"
is_not_stopped() { [ "$(proc_state "$1")" != T ]; }
assert_true "SIGCONT: job a runs again (or has finished)" wait_until 5 is_not_stopped "$job_a"
wait_exit 20
assert_eq "SIGCONT: the run finishes normally" 0 "$STATUS"
assert_eq "SIGCONT: nothing on stderr" "" "$(cat err.txt)"
kill_leftovers

# --- a signal ignored at start stays ignored, by fanout and by the jobs ------------------------------
# Each job sends itself the signal its parent ignored: it survives only if it inherited
# the ignoring.
all_started() {
    local seq
    for seq in "$@"; do
        [ -e "started.$seq" ] || return 1
    done
}
for signal in HUP INT; do
    fresh_dir "ignored_$signal"
    start_fanout --ignoring "$signal" -j2 "touch started.{}; sleep 1.$MARK; kill -$signal \$\$; echo done {}" ::: 1 2
    assert_true "$signal ignored at start: both jobs started" wait_until 20 all_started 1 2
    kill "-$signal" "$FANOUT_PID"
    wait_exit 30
    assert_eq "$signal ignored at start: fanout ignores it and ends normally (0)" 0 "$STATUS"
    assert_eq "$signal ignored at start: the jobs ignore it too and run to their end" $'done 1\ndone 2' \
        "$(sort out.txt)"
    assert_eq "$signal ignored at start: nothing on stderr" "" "$(cat err.txt)"
    kill_leftovers
done

# SIGCHLD is the exception: ignored, the kernel would reap the jobs before fanout could
# see how they ended.
fresh_dir ignored_CHLD
run --timeout 10 perl -e '$SIG{CHLD} = "IGNORE"; exec @ARGV' "$FANOUT" -k 'echo {}; exit {}' ::: 0 3
assert_status "CHLD ignored at start: fanout sees the jobs end; one failed (1)" 1
assert_eq "CHLD ignored at start: their output" $'0\n3' "$OUT"

# --- every group goes through the termination sequence, also one whose job has exited -------------------
# Each job's shell waits for a background subshell that has a TERM trap (and, as sh
# makes background commands do, ignores SIGINT). SIGINT ends the job's shell at once;
# its subshell must still get the sequence's TERM and run its trap. With SIGTERM, the
# trap takes a while: its group must not be killed meanwhile.
lingering_job() {
    echo "(trap '$1echo {} >> $PWD/cleaned; exit' TERM; sleep 60.$MARK & wait) & wait"
}
joblog_lines() {
    [ "$(line_count log.tsv 2>/dev/null)" -ge "$1" ]
}
for signal in INT TERM; do
    fresh_dir "lingering_$signal"
    if [ $signal == INT ]; then
        start_fanout -j3 --joblog log.tsv "$(lingering_job '')" ::: 1 2 3
    else
        start_fanout -j3 --joblog log.tsv --termseq TERM,5000,KILL,25 "$(lingering_job 'sleep 0.3; ')" ::: 1 2 3
    fi
    assert_true "lingering groups, SIG$signal: the 3 jobs' sleeps run" wait_until 20 at_least_markers 3
    kill "-$signal" "$FANOUT_PID"
    wait_exit 30
    expected_status=$((128 + $(kill -l "$signal")))
    assert_eq "lingering groups, SIG$signal: fanout dies by it ($expected_status)" "$expected_status" "$STATUS"
    assert_eq "lingering groups, SIG$signal: every job's TERM trap ran (3 of 3)" $'1\n2\n3' \
        "$(sort -u cleaned 2>/dev/null)"
    assert_true "lingering groups, SIG$signal: no process is left" wait_until 5 no_leftover
    assert_eq "lingering groups, SIG$signal: the 3 jobs are logged" 4 "$(line_count log.tsv)"
    kill_leftovers
done

# The sequence's delays hold for a group whose job has exited: its process ignores
# TERM, so only the KILL after both waits (3 s in all) ends it, and fanout with it.
stubborn_lingering_job="(trap '' TERM; exec sleep 60.$MARK) & wait; : {}"
fresh_dir lingering_delays
start_fanout --joblog log.tsv --termseq TERM,1500,TERM,1500,KILL,25 "$stubborn_lingering_job" ::: x
assert_true "lingering delays: the job's sleep runs" wait_until 20 at_least_markers 1
kill -INT "$FANOUT_PID"
wait_exit 30
assert_eq "lingering delays: fanout dies by SIGINT (130)" 130 "$STATUS"
assert_ge "lingering delays: fanout waited out the sequence's 3 s before the KILL (ms)" 2500 "$ELAPSED_MS"
assert_true "lingering delays: the KILL ended the process left behind" wait_until 5 no_leftover
kill_leftovers

# A second signal kills a group whose job has exited at once, too.
fresh_dir lingering_second
start_fanout --joblog log.tsv --termseq TERM,60000,KILL,25 "$stubborn_lingering_job" ::: x
assert_true "lingering, second SIGINT: the job's sleep runs" wait_until 20 at_least_markers 1
kill -INT "$FANOUT_PID"
assert_true "lingering, second SIGINT: the job's shell has ended (logged)" wait_until 20 joblog_lines 2
assert_eq "lingering, second SIGINT: fanout waits for the group left behind (it ignores TERM)" 1 \
    "$(kill -0 "$FANOUT_PID" 2>/dev/null && echo 1)"
assert_eq "lingering, second SIGINT: that group still runs" 1 "$(marker_count)"
kill -INT "$FANOUT_PID"
wait_exit 20
assert_eq "lingering, second SIGINT: fanout ends by SIGINT (130)" 130 "$STATUS"
assert_le "lingering, second SIGINT: ends at once, not after the sequence's 60 s (ms)" 10000 "$ELAPSED_MS"
assert_true "lingering, second SIGINT: the group left behind is killed" wait_until 5 no_leftover
kill_leftovers

# --- SIGUSR1 lists the running jobs; the run goes on --------------------------------------------------------
fresh_dir sigusr1
start_fanout -j2 "touch started.{}; sleep 3.$MARK; echo done {}" ::: a b c
assert_true "SIGUSR1: two jobs run" wait_until 20 all_started a b
kill -USR1 "$FANOUT_PID"
listed() { grep -q '^  job 2 ' err.txt; }
assert_true "SIGUSR1: the listing appears on stderr" wait_until 10 listed
wait_exit 30
assert_eq "SIGUSR1: the run goes on to its normal end (0)" 0 "$STATUS"
assert_eq "SIGUSR1: every job ran" $'done a\ndone b\ndone c' "$(sort out.txt)"
assert_eq "SIGUSR1: a heading and one line per running job, nothing else" 3 "$(line_count err.txt)"
assert_eq "SIGUSR1: the heading" "fanout: 2 jobs running:" "$(head -n 1 err.txt)"
assert_match "SIGUSR1: job 1's line: seq, run time, command" \
    "^  job 1 \(running [0-9]+\.[0-9]s\): touch started\.a; sleep 3\.$MARK; echo done a\$" "$(sed -n 2p err.txt)"
assert_match "SIGUSR1: job 2's line" "^  job 2 \(running [0-9]+\.[0-9]s\): touch started\.b; " "$(sed -n 3p err.txt)"
kill_leftovers

# --- every other signal that would end fanout stops the run as SIGTERM does -------------------------------------
# Dying by QUIT, XCPU or XFSZ would dump core where that is allowed: fanout dumps none
# (the jobs, which get SIGQUIT, may not either: any core file is fanout's).
ulimit -S -c unlimited 2>/dev/null
for signal in USR2 ALRM VTALRM PROF XCPU XFSZ PWR IO QUIT RTMIN RTMAX; do
    fresh_dir "stop_$signal"
    start_fanout --joblog log.tsv -j2 "ulimit -c 0; sleep 60.$MARK & sleep 60.$MARK; : {}" ::: a b
    assert_true "SIG$signal: the jobs are running" wait_until 20 at_least_markers 4
    kill "-$signal" "$FANOUT_PID"
    wait_exit 20
    expected_status=$((128 + $(kill -l "$signal")))
    assert_eq "SIG$signal: fanout dies by it ($expected_status)" "$expected_status" "$STATUS"
    assert_true "SIG$signal: no process of the run is left" wait_until 5 no_leftover
    assert_eq "SIG$signal: both jobs are logged" 3 "$(line_count log.tsv)"
    assert_eq "SIG$signal: no core file" "" "$(find . -name 'core*')"
    kill_leftovers
done

assert_true "no process of this script's jobs is left" no_leftover

end_of_tests
