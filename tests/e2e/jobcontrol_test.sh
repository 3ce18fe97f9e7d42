# Job control: --timeout (fixed and N% of the median), --termseq, --retries, --delay,
# --halt in all its forms, bad values of these options, and that the next job starts as
# soon as a slot frees. Times are only checked against generous hang guards, except
# --delay, whose gap between starts is what the option means.
# shellcheck source=lib.sh disable=SC1083,SC2016,SC2317 # literal braces and unexpanded $ are the point; wait_until calls the small functions
source "$(dirname "$0")/lib.sh"

# A number no other process on this machine has in its command line: the jobs sleep for
# "N.$MARK" seconds so that pgrep finds exactly the processes of this script.
MARK=$$$RANDOM

# Milliseconds since the epoch.
now_ms() {
    local t=${EPOCHREALTIME/[.,]/}
    echo $((t / 1000))
}

# run_timed ARGS...: `run`, and ELAPSED_MS for how long it took.
run_timed() {
    local start
    start=$(now_ms)
    run "$@"
    ELAPSED_MS=$(($(now_ms) - start))
}

# The processes of this script's jobs still alive (a marker sleep).
leftover() {
    pgrep -f "sleep [0-9]+\.$MARK" || true
}

# joblog_field FILE SEQ COLUMN: one field of the line of job SEQ (columns from 1).
joblog_field() {
    awk -F'\t' -v seq="$2" -v col="$3" 'NR > 1 && $1 == seq { print $col }' "$1"
}

# json_field FILE SEQ JQ_FILTER: a field of the --results object of job SEQ.
json_field() {
    jq -r --argjson seq "$2" "select(.seq == \$seq) | $3" "$1"
}

# --- --timeout --------------------------------------------------------------------------------
fresh_dir timeout
run_timed "$FANOUT" --timeout 0.5 --joblog log.tsv --results r.jsonl "trap '' TERM; sleep 30.$MARK; : {}" ::: x
assert_status "--timeout, a job that ignores SIGTERM: counts as failed" 1
assert_le "--timeout, a job that ignores SIGTERM: ends long before its 30 s (ms)" "$(scaled_ms 15 30)" "$ELAPSED_MS"
assert_eq "--timeout: nothing of the job is left" "" "$(leftover)"
assert_eq "--timeout: joblog Exitval -1" -1 "$(joblog_field log.tsv 1 7)"
assert_eq "--timeout, SIGTERM ignored: joblog Signal 9 (the KILL of the sequence)" 9 "$(joblog_field log.tsv 1 8)"
assert_eq "--timeout: results timed_out" true "$(json_field r.jsonl 1 .timed_out)"
assert_eq "--timeout: results signal" KILL "$(json_field r.jsonl 1 .signal)"
assert_contains "--timeout: the failure summary says 'timed out'" "job 1 (timed out)" "$ERR"

run_timed "$FANOUT" --timeout 300ms --joblog log2.tsv "sleep 30.$MARK; : {}" ::: x
assert_status "--timeout 300ms, a plain sleep: failed" 1
assert_le "--timeout 300ms: ends long before 30 s (ms)" "$(scaled_ms 15 30)" "$ELAPSED_MS"
assert_eq "--timeout 300ms: joblog Exitval -1" -1 "$(joblog_field log2.tsv 1 7)"
assert_eq "--timeout, default sequence: the first TERM ends it (Signal 15)" 15 "$(joblog_field log2.tsv 1 8)"

run "$FANOUT" --timeout 0.3 --termseq INT,100,KILL,25 --joblog log3.tsv "sleep 30.$MARK; : {}" ::: x
assert_status "--termseq INT,100,KILL,25: failed" 1
assert_eq "--termseq INT,...: the job got SIGINT (Signal 2)" 2 "$(joblog_field log3.tsv 1 8)"
run "$FANOUT" --timeout 0.3 --term-seq SIGUSR1,100,9,25 --joblog log4.tsv "trap '' USR1; sleep 30.$MARK; : {}" ::: x
assert_status "--term-seq with SIG names and numbers: failed" 1
assert_eq "--term-seq SIGUSR1,100,9,25 on a job ignoring USR1: Signal 9" 9 "$(joblog_field log4.tsv 1 8)"
assert_eq "--termseq: nothing of the jobs is left" "" "$(leftover)"

run "$FANOUT" --timeout 1h30m -k echo ::: a b
assert_status "--timeout 1h30m: jobs well within it succeed" 0
assert_eq "--timeout 1h30m: output" $'a\nb' "$OUT"
run "$FANOUT" --timeout 2m true ::: a
assert_status "--timeout 2m: accepted" 0

# A job's background process holding the group does not survive the timeout either.
run_timed "$FANOUT" --timeout 0.3 "sleep 40.$MARK & sleep 30.$MARK; : {}" ::: x
assert_status "--timeout, a job with a background process: failed" 1
sleep 0.5
assert_eq "--timeout: the job's background process is gone too" "" "$(leftover)"

# --- --timeout N% ----------------------------------------------------------------------------
fresh_dir timeout_percent
run_timed "$FANOUT" -j1 --timeout 200% --joblog log.tsv "sleep {}" ::: 0.2 0.2 0.2 0.2 "30.$MARK"
assert_status "--timeout 200%: the slow job is stopped and counts as failed" 1
assert_le "--timeout 200%: far less than the slow job's 30 s (ms)" "$(scaled_ms 15 30)" "$ELAPSED_MS"
assert_eq "--timeout 200%: the fast jobs succeed" "0 0 0 0" "$(awk -F'\t' 'NR > 1 && $1 < 5 { print $7 }' log.tsv | xargs)"
assert_eq "--timeout 200%: the slow job's Exitval is -1" -1 "$(joblog_field log.tsv 5 7)"
assert_eq "--timeout 200%: nothing is left" "" "$(leftover)"
# As GNU parallel: the first finished job sets a limit, and each finished job moves the
# limit of the jobs still running, those that started before it ended included.
run "$FANOUT" -j1 --timeout 150% --joblog log2.tsv "sleep {}" ::: 0.1 "20.$MARK"
assert_status "--timeout 150% after one job: the second is timed out" 1
run_timed "$FANOUT" -j2 --timeout 200% --joblog log3.tsv "sleep {}" ::: 0.3 "30.$MARK"
assert_status "--timeout 200%: a job started before any had ended is timed out too" 1
assert_le "--timeout 200%, started before the median: far less than 30 s (ms)" "$(scaled_ms 15 30)" "$ELAPSED_MS"
assert_eq "--timeout 200%, started before the median: its Exitval is -1" -1 "$(joblog_field log3.tsv 2 7)"

# --- --retries -----------------------------------------------------------------------------
fresh_dir retries
counting_job='echo x >> count.{}; n=$(wc -l < count.{}); echo "out {} $n"; echo "err {} $n" >&2; [ "$n" -ge 3 ]'
run "$FANOUT" --retries 3 --results r.jsonl "$counting_job" ::: a
assert_status "--retries 3, success on the 3rd attempt: exit 0" 0
assert_eq "--retries: the job ran three times" 3 "$(line_count count.a)"
assert_eq "--retries: only the last attempt's stdout is shown" "out a 3" "$OUT"
assert_eq "--retries: only the last attempt's stderr is shown" "err a 3" "$ERR"
assert_eq "--retries: results attempts 3" 3 "$(json_field r.jsonl 1 .attempts)"
assert_eq "--retries: results exit_code 0" 0 "$(json_field r.jsonl 1 .exit_code)"
assert_eq "--retries: one results line for the job" 1 "$(line_count r.jsonl)"

rm -f count.*
run "$FANOUT" -k -j2 --retries 3 --joblog log.tsv "$counting_job" ::: a b
assert_status "--retries 3 -k, two jobs: exit 0" 0
assert_eq "--retries -k: one output per job, last attempts, in order" $'out a 3\nout b 3' "$OUT"
assert_eq "--retries: one joblog line per job" 3 "$(line_count log.tsv)"

run "$FANOUT" --retries 3 --results r2.jsonl 'echo x >> always.{}; echo try; exit 4' ::: a
assert_status "--retries 3, always failing: exit 1 (one job failed)" 1
assert_eq "--retries 3, always failing: 3 attempts in all, as in GNU parallel" 3 "$(line_count always.a)"
assert_eq "--retries 3, always failing: results attempts 3" 3 "$(json_field r2.jsonl 1 .attempts)"
assert_eq "--retries 3, always failing: exit_code 4" 4 "$(json_field r2.jsonl 1 .exit_code)"
assert_eq "--retries, always failing: the output is shown once" "try" "$OUT"
assert_contains "--retries, always failing: in the failure summary" "job 1 (exit 4)" "$ERR"

run "$FANOUT" --retries 5 --results r3.jsonl 'echo x >> once.{}' ::: a
assert_eq "--retries, a job that succeeds: one attempt" 1 "$(line_count once.a)"
assert_eq "--retries, a job that succeeds: results attempts 1" 1 "$(json_field r3.jsonl 1 .attempts)"

for n in 0 1; do
    run "$FANOUT" --retries $n 'echo x >> fail.{}; exit 1' ::: $n
    assert_eq "--retries $n: one attempt (GNU parallel retries 0 forever)" 1 "$(line_count fail.$n)"
done

# --- --delay ---------------------------------------------------------------------------------
fresh_dir delay
run "$FANOUT" -j3 --delay 0.3 --joblog log.tsv 'date +%s.%N >> starts; sleep 1; : {}' ::: 1 2 3
assert_status "--delay 0.3 -j3: exit 0" 0
assert_eq "--delay: three jobs started" 3 "$(line_count starts)"
gaps=$(sort -n starts | awk 'NR > 1 { printf "%.3f\n", $1 - prev } { prev = $1 }')
# The jobs' own clocks read late by however long a loaded machine takes to run `date`:
# only half the delay is asked of them; the joblog's start times are the strict check.
assert_eq "--delay 0.3: each start at least 0.15 s after the one before (as the jobs saw it)" "" \
    "$(echo "$gaps" | awk '$1 < 0.15')"
log_gaps=$(awk -F'\t' 'NR > 1 { print $3 }' log.tsv | sort -n | awk 'NR > 1 { printf "%.3f\n", $1 - prev } { prev = $1 }')
assert_eq "--delay 0.3: the joblog start times are at least 0.29 s apart" "" "$(echo "$log_gaps" | awk '$1 < 0.29')"
run "$FANOUT" -j3 --delay 100ms true ::: 1 2 3
assert_status "--delay 100ms: accepted" 0
# The delay comes between starts, not after the last one: GNU parallel exits when its
# last job ends. fanout waited out one more delay before it saw that the input had ended.
run_timed "$FANOUT" --delay 30 true ::: 1
assert_status "--delay 30, one job: exit 0" 0
assert_le "--delay 30, one job: no delay after it (ms)" "$(scaled_ms 10 30)" "$ELAPSED_MS"
# Once the delay is over, waiting for input is a wait, not a spin: fanout's own CPU time
# over 2 s of waiting (TIMEFORMAT's %U/%S count the fanout process, not the `sleep`).
# It spun before: 1.3 s of CPU.
TIMEFORMAT='%U %S'
cpu=$( { time "$FANOUT" --delay 0.1 echo < <(echo a; sleep 2; echo b) >/dev/null 2>&1; } 2>&1)
assert_eq "--delay, then 2 s without input: fanout uses under 0.4 s of CPU" 1 \
    "$(awk -v u="${cpu% *}" -v s="${cpu#* }" -v limit="$(awk -v f="$TEST_SCALE" 'BEGIN { print 0.4 * f }')" \
        'BEGIN { print (u + s < limit) ? 1 : 0 }')"
unset TIMEFORMAT

# --- the next job starts when a slot frees -----------------------------------------------------
seq 10 >ten.txt
run_timed --stdin ten.txt "$FANOUT" -j1 true
assert_status "-j1, ten 'true' jobs: exit 0" 0
assert_le "-j1, ten 'true' jobs: no waiting between jobs (ms)" "$(scaled_ms 5 10)" "$ELAPSED_MS"
run_timed --stdin ten.txt "$FANOUT" -j1 --timeout 30 --retries 1 true
assert_le "-j1 with --timeout and --retries: no waiting between jobs (ms)" "$(scaled_ms 5 10)" "$ELAPSED_MS"

# --- --halt now,fail=1 --------------------------------------------------------------------------
fresh_dir halt_now_fail
printf '%s\n' "sleep 20.$MARK" "sleep 20.$MARK" 'sleep 0.3; exit 7' 'touch later.4' 'touch later.5' >jobs.txt
run_timed --stdin jobs.txt "$FANOUT" -j3 --halt now,fail=1 --joblog log.tsv
assert_status "--halt now,fail=1: the exit code of the failing job" 7
assert_le "--halt now,fail=1: the running jobs are killed, not waited for (ms)" "$(scaled_ms 10 20)" "$ELAPSED_MS"
assert_no_file "--halt now,fail=1: later jobs never start" later.4 later.5
assert_eq "--halt now,fail=1: nothing is left running" "" "$(leftover)"
assert_eq "--halt now,fail=1: the killed jobs are logged with SIGTERM" "15 15" \
    "$(awk -F'\t' 'NR > 1 && $1 <= 2 { print $8 }' log.tsv | xargs)"
assert_contains "--halt now,fail=1: the failing job is in the summary" "job 3 (exit 7)" "$ERR"

# --- --halt soon,fail=1 --------------------------------------------------------------------------
fresh_dir halt_soon_fail
printf '%s\n' 'sleep 1; touch done.1' 'sleep 1; touch done.2' 'sleep 0.2; exit 5' 'touch later.4' 'touch later.5' >jobs.txt
run --stdin jobs.txt "$FANOUT" -j3 --halt soon,fail=1
assert_status "--halt soon,fail=1: the exit code of the failing job" 5
assert_file_exists "--halt soon,fail=1: running job 1 completes" done.1
assert_file_exists "--halt soon,fail=1: running job 2 completes" done.2
assert_no_file "--halt soon,fail=1: no new job starts" later.4 later.5

# --- --halt now,success=1 -------------------------------------------------------------------------
fresh_dir halt_success
printf '%s\n' 'exit 3' 'exit 0' 'touch later.3' >jobs.txt
run --stdin jobs.txt "$FANOUT" -j1 --halt now,success=1
assert_status "--halt now,success=1: exit 0" 0
assert_no_file "--halt now,success=1: no job after the success" later.3
printf '%s\n' "sleep 20.$MARK" 'sleep 0.2' 'touch later.3' >jobs2.txt
run_timed --stdin jobs2.txt "$FANOUT" -j2 --halt now,success=1
assert_status "--halt now,success=1 with a long job running: exit 0" 0
assert_le "--halt now,success=1: the long job is killed (ms)" "$(scaled_ms 10 20)" "$ELAPSED_MS"
assert_no_file "--halt now,success=1: later jobs never start" later.3
assert_eq "--halt now,success=1: nothing is left running" "" "$(leftover)"

# --- --halt soon,done=2 -----------------------------------------------------------------------------
fresh_dir halt_done
printf '%s\n' 'exit 3' 'exit 0' 'touch later.3' 'touch later.4' >jobs.txt
run --stdin jobs.txt "$FANOUT" -j1 --halt soon,done=2
assert_status "--halt soon,done=2: exit status is the number of failed jobs" 1
assert_no_file "--halt soon,done=2: stops after two jobs" later.3 later.4

# --- legacy --halt values -----------------------------------------------------------------------------
fresh_dir halt_legacy
printf '%s\n' "sleep 20.$MARK" 'sleep 0.2; exit 6' 'touch later.3' >jobs.txt
run_timed --stdin jobs.txt "$FANOUT" -j2 --halt 2
assert_status "--halt 2 (now,fail=1): the exit code of the failing job" 6
assert_le "--halt 2: the running job is killed (ms)" "$(scaled_ms 10 20)" "$ELAPSED_MS"
assert_no_file "--halt 2: later jobs never start" later.3
assert_eq "--halt 2: nothing is left running" "" "$(leftover)"
printf '%s\n' 'sleep 0.6; touch done.1' 'sleep 0.1; exit 4' 'touch later.3' >jobs1.txt
run --stdin jobs1.txt "$FANOUT" -j2 --halt-on-error 1
assert_status "--halt-on-error 1 (soon,fail=1): the exit code of the failing job" 4
assert_file_exists "--halt 1: the running job completes" done.1
assert_no_file "--halt 1: later jobs never start" later.3
printf '%s\n' 'exit 3' 'exit 0' 'touch later.3' >jobs_1.txt
run --stdin jobs_1.txt "$FANOUT" -j1 --halt -1
assert_status "--halt -1 (soon,success=1): exit 0" 0
assert_no_file "--halt -1: stops after the first success" later.3
run --stdin jobs_1.txt "$FANOUT" -j1 --halt=-2
assert_status "--halt=-2 (now,success=1): exit 0" 0
assert_no_file "--halt=-2: stops after the first success" later.3
printf '%s\n' 'exit 0' 'exit 3' 'touch ran.3' >jobs0.txt
run --stdin jobs0.txt "$FANOUT" -j1 --halt 0
assert_status "--halt 0: never halts; the exit status counts the failures" 1
assert_file_exists "--halt 0: every job runs" ran.3
rm -f ran.3
run --stdin jobs0.txt "$FANOUT" -j1 --halt never
assert_file_exists "--halt never: every job runs" ran.3

# --- --halt with a percentage ----------------------------------------------------------------------------
fresh_dir halt_percent
printf '%s\n' 'exit 0' 'exit 0' 'exit 1' 'touch later.4' 'touch later.5' >jobs.txt
run --stdin jobs.txt "$FANOUT" -j1 --halt now,fail=10%
assert_status "--halt now,fail=10%: exit status is the failure percentage of all jobs (1 of 5), as GNU parallel" 20
assert_no_file "--halt now,fail=10%: stops at the failure" later.4 later.5
run --stdin jobs.txt "$FANOUT" -j1 --halt soon,fail=10%
assert_status "--halt soon,fail=10%: exit status 20" 20
assert_no_file "--halt soon,fail=10%: stops at the failure" later.4 later.5
run --stdin jobs.txt "$FANOUT" -j1 --halt 10%
assert_status "--halt 10% (legacy soon,fail=10%): exit status 20" 20
assert_no_file "--halt 10%: stops at the failure" later.4 later.5
# A percentage is a share of all the jobs (GNU parallel reads all input first): the first
# failure is 1 of 5, not "100%" of one.
printf '%s\n' 'exit 1' 'exit 0' 'exit 0' 'exit 0' 'touch ran.5' >jobs2.txt
run --stdin jobs2.txt "$FANOUT" -j1 --halt now,fail=50%
assert_status "--halt now,fail=50%, 1 failure in 5: never reached, exit 20 (the failed share, as GNU parallel)" 20
assert_file_exists "--halt now,fail=50%: the first failure alone does not halt" ran.5
printf '%s\n' 'exit 0' 'exit 0' 'exit 0' 'touch later.4' >jobs3.txt
run --stdin jobs3.txt "$FANOUT" -j1 --halt soon,success=50%
assert_status "--halt soon,success=50%: exit 0" 0
assert_no_file "--halt soon,success=50%: stops once 2 of 4 jobs succeeded" later.4
run --stdin jobs3.txt "$FANOUT" -j1 --halt now,done=3
assert_status "--halt now,done=3: no failure, exit 0" 0
assert_no_file "--halt now,done=3: stops after three jobs" later.4

# --- bad values: a usage error, and no job starts ---------------------------------------------------------
fresh_dir bad_values
# shellcheck disable=SC2054 # the commas are inside the values
bad_values=(
    --timeout abc --timeout 0 --timeout -5 --timeout 5x --timeout 0% --timeout 1.2.3 --timeout ''
    --halt foo --halt now --halt now,fail --halt now,fail=0 --halt now,fail=1.5 --halt 3 --halt 101%
    --halt later,fail=1 --halt now,oops=1 --halt fail=10% --halt ''
    --termseq TERM --termseq FOO,100 --termseq TERM,abc --termseq TERM,100, --termseq 0,100 --termseq ''
    --delay abc --delay -1 --delay 1x --delay ''
    --retries x --retries 1.5 --retries -1 --retries ''
)
for ((i = 0; i < ${#bad_values[@]}; i += 2)); do
    option=${bad_values[i]}
    value=${bad_values[i + 1]}
    run "$FANOUT" "$option" "$value" 'touch started.{#}' ::: a
    assert_usage_error "$option '$value'" "$option"
    assert_no_file "$option '$value': no job started" started.1
    rm -f started.1
done
run "$FANOUT" --halt-on-error bogus 'touch started.{#}' ::: a
assert_usage_error "--halt-on-error bogus" "--halt"
run "$FANOUT" --term-seq BOGUS,1 'touch started.{#}' ::: a
assert_usage_error "--term-seq BOGUS,1" "--termseq"
assert_no_file "--term-seq BOGUS,1: no job started" started.1

assert_eq "no job of this script is left running" "" "$(leftover)"

end_of_tests
