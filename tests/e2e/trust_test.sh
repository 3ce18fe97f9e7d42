# Trust at the edges of our own output: a reader that never reads or reads slowly
# never blocks the event loop (signals, --timeout), --line-buffer holds a huge line in
# a temp file, -u notices a reader that left, reports never record a job whose output
# was lost, and a full TMPDIR or too few descriptors slow the run down instead of
# failing it.
# shellcheck source=lib.sh disable=SC1083,SC2016 # literal braces and unexpanded $ are the point
source "$(dirname "$0")/lib.sh"

# Deadlines only guard against hangs; a slow (or sanitized) build gets more time.
if ! declare -F scaled >/dev/null; then
    scaled() {
        local factor=${FANOUT_TEST_SCALE:-1}
        case ${FANOUT_SANITIZED:-0} in 1 | ON | TRUE | true) factor=$((factor * 3)) ;; esac
        echo $(($1 * factor))
    }
fi

# Jobs that must not outlive fanout run `sleep 37.<digits>` (or 1.<digits>): durations
# no other process uses, so pgrep -f finds exactly them.
DIGITS=$(printf '%05d%05d' $RANDOM $RANDOM)
MARK=37.$DIGITS
leftovers() {
    pgrep -f -- "sleep [0-9]*\.$DIGITS" || true
}
# marked_at_least N: N processes (jobs' shells or sleeps) carry the mark.
marked_at_least() {
    [ "$(pgrep -cf -- "sleep [0-9]*\.$DIGITS")" -ge "$1" ]
}
gone() {
    [ -z "$(leftovers)" ]
}
# exited PID: the process is gone (or a zombie of this shell).
exited() {
    local state
    state=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null)
    [ -z "$state" ] || [ "$state" = Z ]
}

# --- 1. a reader that never reads ------------------------------------------------------
# Job 1 prints 2 MB and ends; the others print 2 MB and sleep. fanout's stdout is a pipe
# nobody reads: SIGTERM must still stop the run at once, jobs and all.
stalled_reader_case() { # MODE
    local mode=$1 pid status
    mkfifo "$T/stalled.$mode"
    sleep 1000 <"$T/stalled.$mode" &
    local reader=$!
    kill_at_exit "$reader"
    "$FANOUT" "$mode" -j2 "yes {} | head -c 2000000; [ {} = 1 ] || sleep $MARK" ::: 1 2 3 \
        >"$T/stalled.$mode" 2>"$T/stalled.$mode.err" &
    pid=$!
    kill_at_exit "$pid"
    # Both running jobs have written their 2 MB (the pipe holds 64 KiB): fanout holds the rest.
    wait_until "$(scaled 20)" marked_at_least 1
    sleep 1
    kill -TERM "$pid"
    if wait_until "$(scaled 5)" exited "$pid"; then
        pass
    else
        fail "$mode, stalled reader: fanout exits within $(scaled 5) s of SIGTERM"
    fi
    kill -KILL "$pid" 2>/dev/null
    wait "$pid"
    status=$?
    assert_eq "$mode, stalled reader: fanout dies by SIGTERM" 143 "$status"
    assert_true "$mode, stalled reader: no job is left running" wait_until "$(scaled 5)" gone
    kill "$reader" 2>/dev/null
    wait "$reader" 2>/dev/null
}
stalled_reader_case --group
stalled_reader_case -k
stalled_reader_case --line-buffer

# A second signal while the first one's termination sequence waits kills at once. (A
# script's & starts fanout with SIGINT ignored, which stays ignored: env gives it back.)
mkfifo "$T/stalled2"
sleep 1000 <"$T/stalled2" &
reader=$!
kill_at_exit "$reader"
env --default-signal=INT "$FANOUT" -k -j2 --termseq TERM,60000,KILL,25 "trap '' INT TERM; yes {} | head -c 2000000; sleep $MARK" ::: 1 2 \
    >"$T/stalled2" 2>/dev/null &
pid=$!
kill_at_exit "$pid"
wait_until "$(scaled 20)" marked_at_least 2
kill -INT "$pid"
sleep 0.5
kill -INT "$pid"
assert_true "stalled reader: a second SIGINT ends fanout at once" wait_until "$(scaled 5)" exited "$pid"
kill -KILL "$pid" 2>/dev/null
wait "$pid"
assert_eq "stalled reader: the second SIGINT: status 130" 130 $?
pkill -KILL -f -- "sleep [0-9]*\.$DIGITS"
assert_true "stalled reader: the second SIGINT: no job is left" wait_until "$(scaled 5)" gone
kill "$reader" 2>/dev/null
wait "$reader" 2>/dev/null

# --timeout acts while the reader is away: the reader starts reading only after
# READER_DELAY; each job's 1 s timeout must fire long before that.
READER_DELAY=$(scaled 8)
run bash -c '"$0" -k -j2 --timeout 1 --joblog "$1" "yes {} | head -c 2000000; sleep $2" ::: 1 2 3 |
             (sleep "$3"; wc -c)' "$FANOUT" "$T/timeout.log" "$MARK" "$READER_DELAY"
assert_eq "stalled reader, --timeout 1: every job's output arrives" 6000000 "$(tr -d ' ' <"$OUT_FILE")"
assert_eq "stalled reader, --timeout 1: three jobs logged" 3 "$(tail -n +2 "$T/timeout.log" | wc -l)"
longest=$(tail -n +2 "$T/timeout.log" | awk -F'\t' '{ if ($4 > m) m = $4 } END { printf "%d", m }')
assert_le "stalled reader, --timeout 1: no JobRuntime reaches half the reader's delay (s)" \
    $((READER_DELAY / 2 - 1)) "$longest"

# --- a reader that takes about 2 MB/s ---------------------------------------------------
# The output is complete and in order; SIGINT in the middle still ends the run promptly.
slow_reader() {
    python3 -c '
import sys, time
out = open(sys.argv[1], "wb")
while True:
    data = sys.stdin.buffer.read1(65536)
    if not data:
        break
    out.write(data)
    time.sleep(0.03)
' "$1"
}
for mode in --group -k --line-buffer; do
    "$FANOUT" "$mode" -j3 'seq {} 1000000 | head -c 1000000' ::: 1 2 3 4 5 6 2>"$T/slow.err" | slow_reader "$T/slow.out"
    status=${PIPESTATUS[0]}
    assert_eq "$mode, slow reader: exit status" 0 "$status"
    if [ "$mode" = -k ]; then
        assert_eq "$mode, slow reader: every byte, in order" \
            "$(for i in 1 2 3 4 5 6; do seq "$i" 1000000 | head -c 1000000; done | md5sum)" "$(md5sum <"$T/slow.out")"
    else
        assert_eq "$mode, slow reader: 6 MB arrive" 6000000 "$(wc -c <"$T/slow.out")"
    fi
    {
        env --default-signal=INT "$FANOUT" "$mode" -j2 "seq {} 1000000 | head -c 3000000; sleep $MARK" ::: 1 2 3 \
            2>/dev/null &
        echo $! >"$T/fanout.pid"
        wait
    } | slow_reader "$T/slow2.out" &
    wait_until "$(scaled 10)" test -s "$T/fanout.pid"
    fanout_pid=$(cat "$T/fanout.pid")
    rm "$T/fanout.pid"
    kill_at_exit "$fanout_pid"
    sleep 1.5
    kill -INT "$fanout_pid"
    assert_true "$mode, slow reader: SIGINT ends fanout within $(scaled 5) s" wait_until "$(scaled 5)" exited "$fanout_pid"
    wait
    assert_true "$mode, slow reader: no job is left" wait_until "$(scaled 5)" gone
done

# --- 3. --line-buffer holds a line without newline in a temp file ---------------------
peak_rss_of() { # COMMAND... (stdout to $T/peak.out): sets PEAK_KB and PEAK_STATUS
    "$@" >"$T/peak.out" 2>"$T/peak.err" &
    local pid=$! hwm state
    PEAK_KB=0
    while true; do
        state=$(awk '/^State:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
        [ -z "$state" ] || [ "$state" = Z ] && break
        hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
        [ -n "$hwm" ] && [ "$hwm" -gt "$PEAK_KB" ] && PEAK_KB=$hwm
        sleep 0.1
    done
    wait "$pid"
    PEAK_STATUS=$?
}
rss_limit_mb=16
case ${FANOUT_SANITIZED:-0} in 1 | ON | TRUE | true) rss_limit_mb=96 ;; esac
TMPDIR=$T peak_rss_of "$FANOUT" --line-buffer ::: 'head -c 300M /dev/zero' 'echo short'
assert_eq "--line-buffer, a 300 MB line: exit status" 0 "$PEAK_STATUS"
assert_eq "--line-buffer, a 300 MB line: every byte arrives" $((300 * 1024 * 1024 + 6)) "$(wc -c <"$T/peak.out")"
echo "NOTE: --line-buffer, a 300 MB line: fanout's peak RSS was $PEAK_KB KiB"
assert_le "--line-buffer, a 300 MB line: peak RSS under $rss_limit_mb MiB (KiB)" $((rss_limit_mb * 1024)) "$PEAK_KB"
assert_eq "--line-buffer: no temp file left in TMPDIR" "" "$(find "$T" -mindepth 1 -maxdepth 1 -name 'fanout*')"

# --- 4. -u notices a reader that left --------------------------------------------------
# Each job logs that it started, prints, then sleeps; head takes one line and leaves.
for mode in -u --group; do
    : >"$T/u.started"
    start=$SECONDS
    "$FANOUT" "$mode" -j2 "echo started >> $T/u.started; echo {}; sleep 1.$DIGITS" ::: $(seq 30) 2>"$T/u.err" | head -n 1 >/dev/null
    status=${PIPESTATUS[0]}
    assert_eq "$mode | head -n 1: fanout dies by SIGPIPE" 141 "$status"
    assert_le "$mode | head -n 1: it stops starting jobs (jobs started)" 6 "$(wc -l <"$T/u.started")"
    assert_eq "$mode | head -n 1: nothing on stderr" "" "$(cat "$T/u.err")"
    assert_true "$mode | head -n 1: no job is left" wait_until "$(scaled 5)" gone
done

# --- 9. reports never record what was lost ---------------------------------------------
# Jobs 2 and 3 end first and wait (held) for job 1; the reader has left by then. Their
# output was never delivered: the joblog and --results must not list them.
for mode in -k --group; do
    rm -f "$T/lost.log" "$T/lost.jsonl"
    "$FANOUT" "$mode" -j3 --joblog "$T/lost.log" --results "$T/lost.jsonl" \
        'case {} in 1) sleep 1.5; echo one;; *) sleep 0.5; echo {};; esac' ::: 1 2 3 2>/dev/null | true
    status=${PIPESTATUS[0]}
    assert_eq "$mode, reader gone: fanout dies by SIGPIPE" 141 "$status"
    assert_eq "$mode, reader gone: the joblog lists no job" 0 "$(tail -n +2 "$T/lost.log" | wc -l)"
    assert_eq "$mode, reader gone: --results lists no job" 0 "$(wc -l <"$T/lost.jsonl")"
    # --resume runs them all again.
    run "$FANOUT" "$mode" -j3 --joblog "$T/lost.log" --resume 'echo {}' ::: 1 2 3
    assert_eq "$mode, reader gone: --resume runs the lost jobs again" $'1\n2\n3' "$(sort <<<"$OUT")"
done

# --results - is a report on stdout: each job's line follows that job's output.
run "$FANOUT" -k -j3 --results - 'sleep {}; echo out {}' ::: 0.6 0.1 0.3
assert_eq "-k --results -: each JSON line right after its job's output" \
    "out 0.6|1|out 0.1|2|out 0.3|3|" "$(while read -r line; do
        case $line in "{"*) jq -j '.seq, "|"' <<<"$line" ;; *) printf '%s|' "$line" ;; esac
    done <"$OUT_FILE")"

# A full TMPDIR: output is held in memory instead (with one warning), every job's
# output arrives and every job is logged.
mkdir -p "$T/full"
if mount -t tmpfs -o size=1m tmpfs "$T/full" 2>/dev/null; then
    run env TMPDIR="$T/full" "$FANOUT" --joblog "$T/full.log" -k -j4 'head -c 3000000 /dev/zero; echo {}' ::: 1 2 3 4
    assert_status "full 1 MiB TMPDIR, -k -j4: exit status" 0
    assert_eq "full 1 MiB TMPDIR, -k -j4: every byte arrives" 12000008 "$(wc -c <"$OUT_FILE")"
    assert_eq "full 1 MiB TMPDIR, -k -j4: in order" $'1\n2\n3\n4' "$(tr -d '\0' <"$OUT_FILE")"
    assert_eq "full 1 MiB TMPDIR, -k -j4: four jobs logged, all exit 0" "0 0 0 0" \
        "$(tail -n +2 "$T/full.log" | awk -F'\t' '{ printf "%s%s", sep, $7; sep = " " }')"
    assert_match "full 1 MiB TMPDIR: one warning naming the directory" "^fanout: warning: cannot .*$T/full" "$ERR"
    umount "$T/full"
else
    echo "SKIP: cannot mount a tmpfs here (not root?): the full TMPDIR case"
fi

# --- 10. too few descriptors for spill files -------------------------------------------
# 30 jobs of 2 MB each under -k with 20 descriptors: spawns and spills wait for
# descriptors to come free; nothing fails and every byte arrives in order.
for i in $(seq 30); do echo "head -c 2000000 /dev/zero | tr '\\0' $((i % 10))"; done >"$T/cmds"
run --stdin "$T/cmds" bash -c 'ulimit -n 20 && TMPDIR="$1" exec "$0" -j64 -k' "$FANOUT" "$T"
assert_status "ulimit -n 20, -j64 -k, 30 x 2 MB: exit status" 0
assert_eq "ulimit -n 20, -j64 -k, 30 x 2 MB: every byte, in order" \
    "$(for i in $(seq 30); do head -c 2000000 /dev/zero | tr '\0' $((i % 10)); done | md5sum)" "$(md5sum <"$OUT_FILE")"

end_of_tests
