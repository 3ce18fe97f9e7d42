# Fault injection: our stdout a closed pipe, $TMPDIR full, missing or read-only when
# output must spill, too few descriptors (ulimit -n) or processes (ulimit -u), jobs that
# close stdout, leave a daemon holding the pipe, write 4 GiB or die by a signal. Every
# case checks the outcome is reported, the other jobs' output is complete, and that no
# temp file or process is left behind.
# shellcheck source=lib.sh disable=SC1083,SC2016 # literal braces and unexpanded $ are the point
source "$(dirname "$0")/lib.sh"

# --- helpers ---------------------------------------------------------------------------

# Jobs that must not outlive fanout run `sleep <marker>`: a duration no other process on
# the machine uses, so pgrep -f finds exactly them (and the shells that run them).
MARK_BASE=$((RANDOM * 32768 + RANDOM))
MARK_N=0
new_mark() {
    MARK_N=$((MARK_N + 1))
    printf -v MARK '29.%s%03d' "$MARK_BASE" "$MARK_N" # fixed width: no mark is a prefix of another
}

# leftovers PATTERN: the processes (pid and command line) that still match PATTERN.
leftovers() {
    pgrep -af -- "$1" || true
}

# A milliseconds clock for "fanout ended quickly".
now_ms() {
    echo $(($(date +%s%N) / 1000000))
}

# The descriptors a job's shell holds, one "NUMBER TARGET" line each, as JOB_FDS in a
# job prints them (a simple command: the shell opens nothing for it). A job must hold
# exactly the numbers a shell started here holds (0, 1, 2 and whatever the test harness
# passed on): nothing fanout opened (pipes, temp files, signalfd, /dev/null) may leak in.
JOB_FDS='find /proc/$$/fd -mindepth 1 -printf "%f %l\n"'
BASELINE_FDS=$(sh -c "$JOB_FDS" </dev/null 2>/dev/null)
# fd_counts FILE: each descriptor number with how many listings in FILE hold it ("0x1 1x1 ...").
fd_counts() {
    awk '{ print $1 }' "$1" | sort -n | uniq -c | awk '{ printf "%sx%s ", $2, $1 }'
}
# check_job_fds DESC FILE N: FILE holds N job listings, each with the baseline's numbers.
check_job_fds() {
    local expected
    expected=$(echo "$BASELINE_FDS" | awk '{ print $1 }' | sort -n | awk -v n="$3" '{ printf "%sx%s ", $1, n }')
    if [ "$(fd_counts "$2")" != "$expected" ]; then
        echo "NOTE: $1: the baseline holds:" "$(echo "$BASELINE_FDS" | tr '\n' ';')"
        echo "NOTE: $1: the jobs held:" "$(sort -u "$2" | tr '\n' ';')"
    fi
    assert_eq "$1" "$expected" "$(fd_counts "$2")"
}

# Running unprivileged (RLIMIT_NPROC does not bind root, and root writes to read-only
# directories): a copy of the binary in a world-readable directory, and the command that
# drops privileges. setpriv takes a numeric id no account and no process uses, so other
# processes (another test run as nobody) cannot eat into this user's process limit.
DROP=()
DROP_UID=""
UNPRIV_DIR=""
if [ "$(id -u)" -eq 0 ]; then
    UNPRIV_DIR=$(mktemp -d /tmp/fanout-e2e-unpriv.XXXXXX)
    chmod 755 "$UNPRIV_DIR"
    cp "$FANOUT" "$UNPRIV_DIR/fanout"
    chmod 755 "$UNPRIV_DIR/fanout"
    for _ in 1 2 3 4 5; do
        candidate=$((2000000000 + RANDOM * 1000 + RANDOM % 1000))
        if ! getent passwd "$candidate" >/dev/null && ! pgrep -U "$candidate" >/dev/null; then
            DROP_UID=$candidate
            break
        fi
    done
    if [ -n "$DROP_UID" ] && setpriv --reuid="$DROP_UID" --regid="$DROP_UID" --clear-groups true 2>/dev/null; then
        DROP=(setpriv --reuid="$DROP_UID" --regid="$DROP_UID" --clear-groups)
    elif runuser -u nobody -- true 2>/dev/null; then
        DROP_UID=$(id -u nobody)
        DROP=(runuser -u nobody --)
    fi
fi

MOUNTS=()
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup_faults() {
    local rc=$? dir
    for dir in "${MOUNTS[@]}"; do
        umount "$dir" 2>/dev/null || umount -l "$dir" 2>/dev/null
    done
    [ -n "$UNPRIV_DIR" ] && rm -rf "$UNPRIV_DIR"
    for pid in $(pgrep -f -- "sleep 29\.$MARK_BASE"); do
        kill "$pid" 2>/dev/null # a daemon left by a case that stopped midway
    done
    (exit "$rc")
    finish
}
trap cleanup_faults EXIT

# --- our stdout is a closed pipe --------------------------------------------------------
# Jobs 1-40 print their number after {}/10 s, one every 0.1 s for 4 s; every other job
# sleeps until it is killed. The reader leaves at once or after one line; fanout learns
# it on its next write, must die by SIGPIPE (141) without a word, and take its running
# jobs with it.
closed_pipe_case() { # DESC READER MODE-OPTIONS...
    local desc=$1 reader=$2 start status
    shift 2
    new_mark
    start=$(now_ms)
    timeout -k 5 "$(scaled 60)" "$FANOUT" "$@" -j60 \
        "if [ {} -le 40 ]; then sleep \$(({} / 10)).\$(({} % 10)); echo {}; else exec sleep $MARK; fi" \
        ::: $(seq 100) 2>"$T/pipe_err.txt" | eval "$reader" >"$T/pipe_out.txt"
    status=${PIPESTATUS[0]}
    assert_eq "$desc: fanout dies by SIGPIPE" 141 "$status"
    assert_eq "$desc: fanout says nothing on stderr" "" "$(cat "$T/pipe_err.txt")"
    assert_le "$desc: fanout ends at once, not when its jobs would (ms)" "$(scaled_ms 10 29)" $(($(now_ms) - start))
    assert_eq "$desc: no job process is left" "" "$(leftovers "$MARK")"
}
closed_pipe_case "closed pipe (--group, reader gone)" '(exec 0<&-; true)' --group
assert_eq "closed pipe (--group, reader gone): nothing was read" "" "$(cat "$T/pipe_out.txt")"
closed_pipe_case "closed pipe (--group, head -n 1)" 'head -n 1' --group
assert_eq "closed pipe (--group, head -n 1): the reader got the first line" 1 "$(cat "$T/pipe_out.txt")"
closed_pipe_case "closed pipe (-k, head -n 1)" 'head -n 1' -k
assert_eq "closed pipe (-k, head -n 1): the reader got the first line" 1 "$(cat "$T/pipe_out.txt")"
closed_pipe_case "closed pipe (--line-buffer, reader gone)" '(exec 0<&-; true)' --line-buffer

# Output held in a temp file goes out by sendfile: a reader that leaves midway.
timeout -k 5 "$(scaled 60)" "$FANOUT" --group 'head -c 20M /dev/zero; : {}' ::: 1 2>"$T/pipe_err.txt" | head -c 1000 >"$T/pipe_out.txt"
status=${PIPESTATUS[0]}
assert_eq "closed pipe while copying spilled output: SIGPIPE" 141 "$status"
assert_eq "closed pipe while copying spilled output: nothing on stderr" "" "$(cat "$T/pipe_err.txt")"
assert_eq "closed pipe while copying spilled output: the reader got its 1000 bytes" 1000 "$(wc -c <"$T/pipe_out.txt")"

# --- output cannot spill: $TMPDIR full, missing or read-only -----------------------------
# Three small jobs finish first; then one job prints 20 MiB under --group (past the
# 1 MiB a job may hold in memory) while another runs. Expected: one warning naming the
# directory, the output held in memory instead and complete, exit 0, DIR left empty.
SPILL_JOBS='case {} in big) sleep 0.5; head -c 20M /dev/zero;; slow) sleep 1; echo slow-done;; *) echo small-{};; esac'
spill_failure_case() { # DESC DIR [PREFIX...] (PREFIX runs fanout, e.g. unprivileged)
    local desc=$1 dir=$2
    shift 2
    run env TMPDIR="$dir" "$@" "$FANOUT" --group -j3 "$SPILL_JOBS" ::: s1 s2 s3 slow big
    assert_status "$desc: exit status 0" 0
    assert_eq "$desc: exactly one line on stderr" 1 "$(line_count "$ERR_FILE")"
    assert_match "$desc: a 'fanout: warning: cannot' line" '^fanout: warning: cannot ' "$ERR"
    assert_contains "$desc: the warning names the directory" " $dir" "$ERR"
    assert_eq "$desc: the small jobs' output is complete" $'slow-done\nsmall-s1\nsmall-s2\nsmall-s3' \
        "$(tr -d '\0' <"$OUT_FILE" | sort)"
    assert_eq "$desc: the big job's 20 MiB are complete" $((20 * 1024 * 1024)) "$(tr -cd '\0' <"$OUT_FILE" | wc -c)"
    if [ -d "$dir" ]; then
        assert_eq "$desc: nothing left in the directory" "" "$(ls -A "$dir")"
    fi
}

mkdir -p "$T/full1m" "$T/full64k"
if mount -t tmpfs -o size=1m tmpfs "$T/full1m" 2>/dev/null; then
    MOUNTS+=("$T/full1m")
    # 1 MiB held in memory fits; the next write does not.
    spill_failure_case "TMPDIR on a full 1 MiB tmpfs" "$T/full1m"
    assert_eq "TMPDIR on a full tmpfs: no space is still in use" 0 "$(df -P "$T/full1m" | awk 'NR == 2 { print $3 }')"
    umount "$T/full1m"
    mount -t tmpfs -o size=64k tmpfs "$T/full64k"
    MOUNTS+=("$T/full64k")
    # Even the first 1 MiB held in memory does not fit when it moves to the file.
    spill_failure_case "TMPDIR on a full 64 KiB tmpfs" "$T/full64k"
    umount "$T/full64k"
else
    echo "NOTE: cannot mount a tmpfs here; the full-filesystem cases are covered by the read-only one"
fi

if [ ${#DROP[@]} -gt 0 ]; then
    mkdir "$UNPRIV_DIR/readonly"
    chmod 555 "$UNPRIV_DIR/readonly"
    FANOUT_AS_ROOT=$FANOUT
    FANOUT=$UNPRIV_DIR/fanout
    spill_failure_case "TMPDIR read-only (unprivileged)" "$UNPRIV_DIR/readonly" "${DROP[@]}"
    FANOUT=$FANOUT_AS_ROOT
elif [ "$(id -u)" -ne 0 ]; then
    mkdir "$T/readonly"
    chmod 555 "$T/readonly"
    spill_failure_case "TMPDIR read-only" "$T/readonly"
    chmod 755 "$T/readonly"
else
    echo "SKIP: read-only TMPDIR: cannot drop root privileges (no setpriv, no runuser with user nobody)"
fi

spill_failure_case "TMPDIR=/nonexistent" /nonexistent
assert_contains "TMPDIR=/nonexistent: the warning gives the reason" "No such file or directory" "$ERR"

# --- too few descriptors: ulimit -n 32 with -j 64 ---------------------------------------
# Each running job holds two pipe ends, so -j 64 cannot fit in 32 descriptors: spawns
# fail with EMFILE and wait for a running job to end. Nothing is lost, and the limit that
# lowered -j is named once.
run bash -c 'ulimit -n 32 && exec "$0" -j 64 "echo {}" ::: $(seq 300)' "$FANOUT"
assert_status "ulimit -n 32, -j 64: exit status" 0
assert_eq "ulimit -n 32, -j 64: all 300 lines arrive" "$(seq 300)" "$(sort -n "$OUT_FILE")"
assert_match "ulimit -n 32, -j 64: one warning names the limit" \
    '^fanout: warning: only [0-9]+ jobs at once: the open-file limit \(ulimit -n 32\) allows no more$' "$ERR"
run bash -c 'ulimit -n 32 && exec "$0" -k -j 64 "echo {}" ::: $(seq 300)' "$FANOUT"
assert_eq "ulimit -n 32, -j 64, -k: all 300 lines in order" "$(seq 300)" "$OUT"
run bash -c 'ulimit -n 32 && exec "$0" -k -j 64 "$1; : {}" ::: $(seq 100)' "$FANOUT" "$JOB_FDS"
check_job_fds "ulimit -n 32: no job holds a descriptor of fanout's (100 jobs list theirs)" "$OUT_FILE" 100

# So few descriptors that not even one job can start (fanout itself needs 0-4, a job two
# pipes more): with nothing running to wait for, fanout tries for about 5 s, then reports
# the jobs as not started. Inherited descriptors are closed first so the count is exact.
CLOSE_FDS='for fd in $(ls /proc/$$/fd); do
    if [ "$fd" -gt 2 ] && [ -e "/proc/$$/fd/$fd" ]; then eval "exec $fd>&-"; fi
done'
start=$(now_ms)
run bash -c "$CLOSE_FDS; ulimit -n 8 && exec \"\$0\" -k 'echo {}' ::: a b" "$FANOUT"
elapsed=$(($(now_ms) - start))
assert_status "ulimit -n 8: two jobs that cannot start: exit status 2" 2
assert_eq "ulimit -n 8: nothing on stdout" "" "$OUT"
assert_contains "ulimit -n 8: the reason is fanout's, not echo's" \
    "fanout: job 1: cannot start echo: too many open files in fanout (ulimit -n 8)" "$ERR"
assert_contains "ulimit -n 8: the summary says the job could not start" "job 1 (could not start): echo a" "$ERR"
assert_ge "ulimit -n 8: fanout kept trying for a while (ms)" 4000 "$elapsed"
assert_le "ulimit -n 8: but not forever (ms)" $(($(scaled 20) * 1000)) "$elapsed"

# --- too few processes: ulimit -u, unprivileged -------------------------------------------
# RLIMIT_NPROC counts the tasks of a real user id and does not bind root. As the
# unprivileged user the limit is set a few above that user's current count, so only some
# of the -j 50 jobs can run at once; spawns fail with EAGAIN and must wait. The jobs use
# no fork of their own (`exec sleep`): a job's shell that cannot fork its `sleep` would
# fail on its own.
user_tasks() {
    ps -eLo ruid= | awk -v uid="$DROP_UID" '$1 == uid' | wc -l
}
nproc_prefix() { # LIMIT: sets NPROC, a prefix that runs a command unprivileged under ulimit -u LIMIT
    NPROC=(bash -c 'ulimit -u "$0" && cd "$1" && shift && exec "$@"' "$1" "$UNPRIV_DIR" "${DROP[@]}")
}
if [ ${#DROP[@]} -gt 0 ]; then
    base=$(user_tasks)
    # Proof the limit binds here: three background sleeps must not all start under +2.
    nproc_prefix $((base + 2))
    "${NPROC[@]}" sh -c 'for i in 1 2 3; do sleep 0.3 & done; wait' >/dev/null 2>"$T/probe_err.txt"
    if grep -q "fork" "$T/probe_err.txt"; then
        start=$(now_ms)
        nproc_prefix $((base + 6))
        run "${NPROC[@]}" "$UNPRIV_DIR/fanout" -j 50 'echo {}; exec sleep 0.05' ::: $(seq 200)
        elapsed=$(($(now_ms) - start))
        assert_status "ulimit -u: exit status" 0
        assert_eq "ulimit -u: all 200 lines arrive" "$(seq 200)" "$(sort -n "$OUT_FILE")"
        assert_match "ulimit -u: one warning names the limit" \
            "^fanout: warning: only [0-9]+ jobs? at once: the process limit \\(ulimit -u $((base + 6))\\) allows no more\$" "$ERR"
        # 200 jobs of 0.05 s, at most 5 at a time: about 2 s (50 at a time: 0.2 s).
        assert_ge "ulimit -u: the limit held the jobs back (ms)" 1200 "$elapsed"
        # Room for fanout alone: nothing running to wait for, so it retries, then gives up.
        nproc_prefix $((base + 1))
        run "${NPROC[@]}" "$UNPRIV_DIR/fanout" 'echo {}' ::: a
        assert_status "ulimit -u, no room for any job: one job failed" 1
        assert_contains "ulimit -u, no room for any job: the reason is fanout's, not echo's" \
            "fanout: job 1: cannot start echo: no more processes (ulimit -u $((base + 1)))" "$ERR"
        assert_contains "ulimit -u, no room for any job: the summary says so" \
            "job 1 (could not start): echo a" "$ERR"
        # Jobs whose shell forks a child: -j comes down to what the limit leaves room for,
        # shells and children alike, so no job's own fork fails (GNU parallel runs these
        # 200 too, with a warning).
        nproc_prefix $((base + 20))
        run "${NPROC[@]}" "$UNPRIV_DIR/fanout" -j 50 'sleep 0.3; echo {}' ::: $(seq 200)
        assert_status "ulimit -u 20, -j 50, jobs that fork: exit status" 0
        assert_eq "ulimit -u 20, -j 50, jobs that fork: all 200 lines arrive" "$(seq 200)" "$(sort -n "$OUT_FILE")"
        assert_match "ulimit -u 20, -j 50, jobs that fork: one warning names the limit" \
            "^fanout: warning: only [0-9]+ jobs at once: the process limit \\(ulimit -u $((base + 20))\\) allows no more\$" "$ERR"
    else
        echo "SKIP: ulimit -u does not bind the unprivileged user here (the probe could fork beyond it): not tested"
    fi
else
    echo "SKIP: ulimit -u: cannot run as an unprivileged user here (root ignores RLIMIT_NPROC): not tested"
fi

# --- a job closes its stdout and goes on ------------------------------------------------
for mode in --group -k --line-buffer; do
    run "$FANOUT" $mode 'exec >&-; sleep 1; echo done-{} >&2' ::: 1 2
    assert_status "a job closes stdout ($mode): exit status" 0
    assert_eq "a job closes stdout ($mode): its later stderr arrives" $'done-1\ndone-2' "$(sort "$ERR_FILE")"
    assert_eq "a job closes stdout ($mode): nothing on stdout" "" "$OUT"
done

# --- a job leaves a daemon holding the pipe ----------------------------------------------
# The daemon escapes the job's process group (setsid) and keeps the write ends open:
# fanout must not wait for the end of file. The daemon is found (and killed) by its
# marker, never by a pid that may have been reused by then.
for mode in --group -k --line-buffer; do
    new_mark
    start=$(now_ms)
    run "$FANOUT" $mode "setsid sh -c 'exec sleep $MARK' & echo hi-{}" ::: 1
    elapsed=$(($(now_ms) - start))
    assert_status "daemon holding the pipe ($mode): exit status" 0
    assert_eq "daemon holding the pipe ($mode): the job's output arrives" hi-1 "$OUT"
    assert_le "daemon holding the pipe ($mode): fanout ends quickly (ms)" "$(scaled_ms 10 29)" "$elapsed"
    assert_true "daemon holding the pipe ($mode): the daemon still runs" wait_until 5 pgrep -f -- "sleep $MARK"
    for pid in $(pgrep -f -- "sleep $MARK"); do
        kill "$pid"
    done
done

# --- out of memory: a 64 MiB record under ulimit -v 40000 -----------------------------
# The record cannot be held: fanout says so in words, not as a C++ exception's name.
# AddressSanitizer reserves terabytes of address space, so a sanitizer build cannot
# start under any ulimit -v at all.
if [ "${FANOUT_SANITIZED:-0}" = 1 ]; then
    echo "SKIP: out of memory: a sanitizer build cannot run under ulimit -v"
else
    run bash -c 'head -c 64m /dev/zero | tr "\0" x | (ulimit -v 40000 && exec "$0" echo)' "$FANOUT"
    assert_status "out of memory: exit status 255" 255
    assert_eq "out of memory: one line says so" "fanout: error: out of memory" "$ERR"
fi

# --- a job writes 4 GiB ----------------------------------------------------------------
# Through a pipe to wc -c: -k passes it live; --group holds it in a temp file in $TMPDIR
# (here $T) and copies it out at the end. fanout's own peak RSS (VmHWM, polled) must stay
# small either way.
BIG=4G
BIG_BYTES=4294967296
free_kb=$(df -Pk "$T" | awk 'NR == 2 { print $4 }')
if [ "$free_kb" -lt $((5 * 1024 * 1024)) ]; then
    echo "NOTE: less than 5 GiB free in $T: the big-output cases use 1 GiB"
    BIG=1G
    BIG_BYTES=1073741824
fi
# big_output_case DESC MODE: one job writes $BIG through fanout MODE into wc -c.
big_output_case() {
    local desc=$1 mode=$2 pid state hwm deadline
    rm -f "$T/big.fifo" "$T/big.count"
    mkfifo "$T/big.fifo"
    wc -c <"$T/big.fifo" >"$T/big.count" &
    local reader=$!
    # A third job, started 0.5 s in (when the second ends), while the first's output is
    # held in a temp file, lists its descriptors.
    TMPDIR=$T "$FANOUT" "$mode" -j2 "case {} in big) head -c $BIG /dev/zero;; short) sleep 0.5;; fds) exec >&2; $JOB_FDS;; esac" \
        ::: big short fds >"$T/big.fifo" 2>"$T/big.err" &
    pid=$!
    PEAK_KB=0
    deadline=$((SECONDS + $(scaled 120)))
    while true; do
        state=$(awk '/^State:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
        if [ -z "$state" ] || [ "$state" = Z ]; then
            break
        fi
        hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
        if [ -n "$hwm" ] && [ "$hwm" -gt "$PEAK_KB" ]; then
            PEAK_KB=$hwm
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            echo "NOTE: $desc: fanout still runs after $(scaled 120) s; killing it"
            kill "$pid"
        fi
        sleep 0.2
    done
    wait "$pid"
    BIG_STATUS=$?
    wait "$reader"
    BIG_COUNT=$(tr -d ' ' <"$T/big.count")
    assert_eq "$desc: exit status" 0 "$BIG_STATUS"
    assert_eq "$desc: every byte arrives ($BIG)" "$BIG_BYTES" "$BIG_COUNT"
    check_job_fds "$desc: the other job's stderr arrives; it holds none of fanout's descriptors" "$T/big.err" 1
    echo "NOTE: $desc: fanout's peak RSS was $PEAK_KB KiB"
    assert_ge "$desc: VmHWM was sampled" 1 "$PEAK_KB"
    # ASan's shadow memory and freed-block quarantine add tens of MiB of their own.
    local limit_mb=64
    [ "${FANOUT_SANITIZED:-0}" = 1 ] && limit_mb=128
    assert_le "$desc: fanout's peak RSS stays under $limit_mb MiB (KiB)" $((limit_mb * 1024)) "$PEAK_KB"
    assert_eq "$desc: no temp file left in TMPDIR" "" "$(find "$T" -mindepth 1 -maxdepth 1 -name 'fanout*')"
}
big_output_case "$BIG through -k" -k
big_output_case "$BIG through --group (spilled to disk)" --group

# --- jobs killed by a signal -----------------------------------------------------------
run bash -c 'ulimit -c 0 && exec "$@"' _ "$FANOUT" -k -j4 --joblog "$T/signals.log" \
    'case {} in KILL|SEGV) kill -{} $$;; *) sleep 0.1; echo {};; esac' ::: a KILL b SEGV c
assert_status "jobs killed by KILL and SEGV: exit status counts 2 failures" 2
assert_eq "jobs killed by a signal: the other jobs' output is complete" $'a\nb\nc' "$OUT"
assert_contains "the summary counts them" "fanout: 2 of 5 jobs failed:" "$ERR"
assert_contains "the summary names signal KILL" "job 2 (signal KILL)" "$ERR"
assert_contains "the summary names signal SEGV" "job 4 (signal SEGV)" "$ERR"
assert_eq "--joblog: Signal column 9 for KILL" 9 "$(awk -F'\t' '$1 == 2 { print $8 }' "$T/signals.log")"
assert_eq "--joblog: Signal column 11 for SEGV" 11 "$(awk -F'\t' '$1 == 4 { print $8 }' "$T/signals.log")"
assert_eq "--joblog: Signal column 0 for the others" "0 0 0" \
    "$(awk -F'\t' '$1 == 1 || $1 == 3 || $1 == 5 { print $8 }' "$T/signals.log" | xargs)"
run bash -c 'ulimit -c 0 && exec "$@"' _ "$FANOUT" -q sh -c 'kill -SEGV $$' ::: x
assert_status "direct sh -c 'kill -SEGV \$\$': a failed job" 1
assert_contains "direct sh -c 'kill -SEGV \$\$': signal SEGV" "(signal SEGV)" "$ERR"

end_of_tests
