# Shared helpers for the end-to-end tests: sourced by every tests/e2e/*_test.sh.
#
# Each script gets a private temporary directory ($T, also the starting working
# directory), removed when every assertion passed and kept (its path printed) when one
# failed. `run` executes a command under a hang guard and captures its stdout, stderr
# and exit status; the assert_* functions compare and count. Every script ends with
# end_of_tests. The last line a script prints is "N passed, N failed"; it exits
# non-zero when an assertion failed, when no assertion ran, or when the script stopped
# before end_of_tests.
#
# Environment: FANOUT (the binary under test), FANOUT_SRC (the source root),
# FANOUT_TEST_SCALE (a factor for every deadline, default 1; a busy machine sets more)
# and FANOUT_SANITIZED (1 for a sanitizer build, whose deadlines count 3 times).

set -u

# The tests decide concurrency themselves: an outer `make -jN` must not lend its
# jobserver, and CI settings must not change colours or progress behind their back.
unset MAKEFLAGS MFLAGS MAKELEVEL CI NO_COLOR

if [ -z "${FANOUT:-}" ] || [ ! -x "${FANOUT}" ]; then
    echo "FANOUT must name the fanout binary (got '${FANOUT:-}')" >&2
    echo "0 passed, 1 failed"
    exit 1
fi
FANOUT_SRC=${FANOUT_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

# Deadlines only guard against hangs: a slow machine must give a slow pass, not a
# failure. TEST_SCALE multiplies every one of them (`run`, `wait_until`, `scaled`).
TEST_SCALE=${FANOUT_TEST_SCALE:-1}
if ! [[ $TEST_SCALE =~ ^[0-9]+(\.[0-9]+)?$ ]] || [[ $TEST_SCALE =~ ^0+(\.0+)?$ ]]; then
    echo "FANOUT_TEST_SCALE must be a positive number (got '$TEST_SCALE')" >&2
    echo "0 passed, 1 failed"
    exit 1
fi
case ${FANOUT_SANITIZED:-0} in
1 | [Oo][Nn] | [Tt][Rr][Uu][Ee] | [Yy][Ee][Ss]) TEST_SCALE=$(awk -v f="$TEST_SCALE" 'BEGIN { print f * 3 }') ;;
esac

# scaled SECS: SECS times TEST_SCALE, rounded up to whole seconds.
scaled() {
    awk -v s="$1" -v f="$TEST_SCALE" 'BEGIN { v = s * f; r = int(v); if (r < v) r++; print r }'
}

TEST_SCRIPT_NAME=$(basename "$0" .sh)
T=$(mktemp -d "${TMPDIR:-/tmp}/fanout-e2e-${TEST_SCRIPT_NAME}.XXXXXX")
cd "$T" || exit 1

PASSED=0
FAILED=0
RUN_N=0
RUN_TIMEOUT=${RUN_TIMEOUT:-60}
RUN_CMD=""
STATUS=""
OUT=""
ERR=""
OUT_FILE=""
ERR_FILE=""
CLEANUP_PIDS=()
REACHED_END=0

# Kills only the processes this script recorded, by pid.
kill_recorded() {
    local pid
    for pid in "${CLEANUP_PIDS[@]}"; do
        kill "$pid" 2>/dev/null
    done
    CLEANUP_PIDS=()
}

# Remembers a pid (or the pid stored in a file) to kill when the script ends.
kill_at_exit() {
    local pid=$1
    if [ -f "$pid" ]; then
        pid=$(cat "$pid")
    fi
    case $pid in
    '' | *[!0-9]*) return ;;
    esac
    CLEANUP_PIDS+=("$pid")
}

finish() {
    local rc=$?
    kill_recorded
    cd / || true
    if [ "$REACHED_END" -eq 0 ]; then
        echo "FAIL: the test script stopped (status $rc) before reaching end_of_tests"
        FAILED=$((FAILED + 1))
    fi
    if [ $((PASSED + FAILED)) -eq 0 ]; then
        echo "FAIL: no assertion ran"
        FAILED=1
    fi
    if [ "$FAILED" -eq 0 ]; then
        rm -rf "$T"
    else
        echo "kept temporary directory: $T"
    fi
    echo "$PASSED passed, $FAILED failed"
    if [ "$FAILED" -ne 0 ]; then
        exit 1
    fi
    exit 0
}
trap finish EXIT

# The last line of every test script: proves the script ran to its end.
end_of_tests() {
    REACHED_END=1
    exit 0
}

# Prints a value for a failure report: as is when short and printable, else %q.
show() {
    local value=$1
    if [ ${#value} -gt 2000 ]; then
        printf '%q... (%d characters)\n' "${value:0:2000}" ${#value}
    elif [[ $value =~ ^[[:print:]]*$ ]]; then
        printf '[%s]\n' "$value"
    else
        printf '%q\n' "$value"
    fi
}

pass() {
    PASSED=$((PASSED + 1))
}

# fail DESC [detail lines...]
fail() {
    FAILED=$((FAILED + 1))
    echo "FAIL: $1"
    shift
    local line
    for line in "$@"; do
        echo "    $line"
    done
    if [ -n "$RUN_CMD" ]; then
        echo "    last command (run #$RUN_N, status $STATUS): $RUN_CMD"
        if [ -s "$ERR_FILE" ]; then
            echo "    its stderr (first lines):"
            head -c 1500 "$ERR_FILE" | head -n 8 | sed 's/^/      /'
        fi
    fi
}

# run [--stdin FILE | --input TEXT] [--timeout SECS] COMMAND...
# Runs COMMAND with stdin from FILE, from TEXT (exact bytes; a bash string holds no
# NUL, so NUL input goes through a file) or from /dev/null, killed after SECS (default
# RUN_TIMEOUT) scaled seconds.
# Sets STATUS, OUT and ERR (trailing newlines removed, NUL bytes dropped; empty
# when larger than 1 MiB), OUT_FILE and ERR_FILE (the exact bytes).
run() {
    local stdin=/dev/null limit=$RUN_TIMEOUT
    while [ $# -gt 0 ]; do
        case $1 in
        --stdin)
            stdin=$2
            shift 2
            ;;
        --input)
            stdin="$T/.run.$((RUN_N + 1)).stdin"
            printf '%s' "$2" >"$stdin"
            shift 2
            ;;
        --timeout)
            limit=$2
            shift 2
            ;;
        *) break ;;
        esac
    done
    limit=$(scaled "$limit")
    RUN_N=$((RUN_N + 1))
    RUN_CMD=$(printf '%q ' "$@")
    OUT_FILE="$T/.run.$RUN_N.stdout"
    ERR_FILE="$T/.run.$RUN_N.stderr"
    # The reporter is a process group of its own (setsid), so that one kill of the group
    # also ends its sleep. ($BASHPID is read here: in `cmd &` it is the child's.)
    local shell=$BASHPID reporter
    setsid bash "$FANOUT_SRC/tests/e2e/hang_report.sh" "$shell" "$limit" "$RUN_N" "${HANG_REPORT_EXTRA:-}" &
    reporter=$!
    timeout -k 5 "$limit" "$@" <"$stdin" >"$OUT_FILE" 2>"$ERR_FILE"
    STATUS=$?
    # SIGKILL: before its exec the child is still a copy of this shell, whose EXIT trap
    # another signal would run. Before its setsid() there is no group, and no sleep yet.
    kill -KILL -- "-$reporter" 2>/dev/null || kill -KILL "$reporter" 2>/dev/null
    wait "$reporter" 2>/dev/null
    if [ "$STATUS" -eq 124 ]; then
        echo "NOTE: run #$RUN_N timed out after ${limit}s: $RUN_CMD"
    fi
    OUT=$(read_small "$OUT_FILE")
    ERR=$(read_small "$ERR_FILE")
}

read_small() {
    if [ "$(stat -c %s "$1")" -le 1048576 ]; then
        tr -d '\000' <"$1"
    fi
}

# assert_eq DESC EXPECTED ACTUAL
assert_eq() {
    if [ "$2" == "$3" ]; then
        pass
    else
        fail "$1" "expected: $(show "$2")" "actual:   $(show "$3")"
    fi
}

# assert_ne DESC UNEXPECTED ACTUAL
assert_ne() {
    if [ "$2" != "$3" ]; then
        pass
    else
        fail "$1" "expected anything but: $(show "$2")"
    fi
}

# assert_contains DESC NEEDLE HAYSTACK
assert_contains() {
    if [[ $3 == *"$2"* ]]; then
        pass
    else
        fail "$1" "expected to contain: $(show "$2")" "actual: $(show "$3")"
    fi
}

# assert_not_contains DESC NEEDLE HAYSTACK
assert_not_contains() {
    if [[ $3 != *"$2"* ]]; then
        pass
    else
        fail "$1" "expected not to contain: $(show "$2")" "actual: $(show "$3")"
    fi
}

# assert_match DESC EXTENDED_REGEX ACTUAL
assert_match() {
    if [[ $3 =~ $2 ]]; then
        pass
    else
        fail "$1" "expected to match: $(show "$2")" "actual: $(show "$3")"
    fi
}

# assert_status DESC EXPECTED: the exit status of the last run.
assert_status() {
    if [ "$STATUS" == "$2" ]; then
        pass
    else
        fail "$1" "expected exit status: $2" "actual exit status:   $STATUS"
    fi
}

# assert_true DESC COMMAND...: COMMAND succeeds.
assert_true() {
    local desc=$1
    shift
    if "$@"; then
        pass
    else
        fail "$desc" "this check failed: $(printf '%q ' "$@")"
    fi
}

# assert_le DESC LIMIT ACTUAL (integers)
assert_le() {
    if [ "$3" -le "$2" ] 2>/dev/null; then
        pass
    else
        fail "$1" "expected at most: $2" "actual: $3"
    fi
}

# assert_ge DESC MINIMUM ACTUAL (integers)
assert_ge() {
    if [ "$3" -ge "$2" ] 2>/dev/null; then
        pass
    else
        fail "$1" "expected at least: $2" "actual: $3"
    fi
}

# assert_file_eq DESC EXPECTED_FILE ACTUAL_FILE: byte for byte.
assert_file_eq() {
    if cmp -s "$2" "$3"; then
        pass
    else
        fail "$1" "files differ: $2 (expected) vs $3 (actual)" \
            "$(cmp "$2" "$3" 2>&1 | head -n 1)" \
            "expected bytes: $(od -An -c "$2" 2>&1 | head -n 4 | tr -s ' \n' ' ')" \
            "actual bytes:   $(od -An -c "$3" 2>&1 | head -n 4 | tr -s ' \n' ' ')"
    fi
}

# assert_file_exists DESC PATH
assert_file_exists() {
    if [ -e "$2" ]; then
        pass
    else
        fail "$1" "expected the file to exist: $2"
    fi
}

# assert_no_file DESC PATH...: none of the paths exists.
assert_no_file() {
    local desc=$1 path found=()
    shift
    for path in "$@"; do
        [ -e "$path" ] && found+=("$path")
    done
    if [ ${#found[@]} -eq 0 ]; then
        pass
    else
        fail "$desc" "expected not to exist: ${found[*]}"
    fi
}

# assert_usage_error DESC NEEDLE: the last run failed as a usage error should: exit
# status 255, nothing on stdout, exactly one stderr line that starts with
# "fanout: error:" and contains NEEDLE.
assert_usage_error() {
    local desc=$1 needle=$2
    assert_status "$desc: exit status 255" 255
    assert_eq "$desc: nothing on stdout" "" "$OUT"
    assert_eq "$desc: exactly one line on stderr" 1 "$(line_count "$ERR_FILE")"
    assert_match "$desc: stderr starts with 'fanout: error:'" '^fanout: error: ' "$ERR"
    assert_contains "$desc: stderr names the problem" "$needle" "$ERR"
}

# line_count FILE: the number of lines, counting a final line without newline.
line_count() {
    awk 'END { print NR }' "$1"
}

# scaled_ms SECS [JOB_SECS]: SECS scaled, in milliseconds; with JOB_SECS, never more
# than a second short of that. For "ends long before the job's own JOB_SECS" checks: the
# bound grows on a slow machine, but not so far that a run that waited the job out
# would pass.
scaled_ms() {
    local ms=$(($(scaled "$1") * 1000))
    if [ $# -gt 1 ] && [ "$ms" -gt $((($2 - 1) * 1000)) ]; then
        ms=$((($2 - 1) * 1000))
    fi
    echo "$ms"
}

# wait_until SECS COMMAND...: polls COMMAND until it succeeds; fails after SECS scaled
# seconds.
wait_until() {
    local deadline=$((SECONDS + $(scaled "$1")))
    shift
    until "$@"; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            return 1
        fi
        sleep 0.05
    done
}

# fresh_dir NAME: an empty directory $T/NAME, made the working directory.
fresh_dir() {
    mkdir -p "$T/$1" && cd "$T/$1" || exit 1
}

# have COMMAND: COMMAND is installed.
have() {
    command -v "$1" >/dev/null
}

# $SHOW: a command that prints its stdin on one line in brackets, newlines turned into
# spaces: "[a b ]". It shows what a job was given on its stdin.
SHOW=$T/.show
printf '#!/bin/sh\nprintf "[%%s]\\n" "$(tr "\\n" " ")"\n' >"$SHOW"
chmod +x "$SHOW"

# same_as_gnu DESC INPUT_FILE ARGS...: `fanout ARGS` prints the same as GNU parallel's
# `parallel ARGS` and exits alike, both reading INPUT_FILE. Skipped when GNU parallel
# is not installed, or takes more than 120 s (scaled) on a loaded machine.
same_as_gnu() {
    local desc=$1 input=$2
    shift 2
    if ! have parallel; then
        echo "SKIP: GNU parallel is not installed: $desc"
        return
    fi
    local gnu_status=0
    timeout -k 5 "$(scaled 120)" parallel --will-cite "$@" <"$input" >"$T/gnu.out" 2>/dev/null || gnu_status=$?
    if [ "$gnu_status" -eq 124 ]; then
        echo "NOTE: GNU parallel took over $(scaled 120) s (a loaded machine): not compared: $desc"
        return
    fi
    run --stdin "$input" "$FANOUT" "$@"
    assert_status "$desc: exit status" "$gnu_status"
    assert_file_eq "$desc: the same output as GNU parallel" "$T/gnu.out" "$OUT_FILE"
}

# A number no other process on this machine has in its command line: long jobs sleep
# for "N.$MARK" seconds so that pgrep finds exactly the processes of this script.
MARK=$$$RANDOM

# The pids of this script's long job processes (a marker sleep) still alive.
leftover() {
    pgrep -f "^sleep [0-9]+\.$MARK" | xargs
}

no_leftover() {
    [ -z "$(leftover)" ]
}

# Kills, by pid, the long jobs a failed check left behind, so that none outlives the
# test.
kill_leftovers() {
    local pid
    for pid in $(leftover); do
        kill -KILL "$pid" 2>/dev/null
    done
}

# proc_state PID: the state letter of a process (R, S, T, Z...), empty when it is gone.
proc_state() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    stat=${stat##*) }
    echo "${stat%% *}"
}

# start_fanout [--stdin FILE] [--ignoring SIG] ARGS...: runs fanout in the background,
# stdout in out.txt, stderr in err.txt, as a shell in a terminal would: SIGINT and
# SIGQUIT not ignored (bash ignores them in background commands of a script). With
# --ignoring, SIG is ignored when fanout starts, as under nohup (HUP) or a script's &
# (INT: then this is that very & of a script). Sets FANOUT_PID.
start_fanout() {
    local stdin=/dev/null ignoring=
    while [ "$1" == --stdin ] || [ "$1" == --ignoring ]; do
        if [ "$1" == --stdin ]; then
            stdin=$2
        else
            ignoring=$2
        fi
        shift 2
    done
    if [ -n "$ignoring" ]; then
        (
            trap '' "$ignoring"
            exec "$FANOUT" "$@" <"$stdin" >out.txt 2>err.txt
        ) &
    elif env --default-signal=INT,QUIT true 2>/dev/null; then
        env --default-signal=INT,QUIT "$FANOUT" "$@" <"$stdin" >out.txt 2>err.txt &
    else
        "$FANOUT" "$@" <"$stdin" >out.txt 2>err.txt &
    fi
    FANOUT_PID=$!
    kill_at_exit "$FANOUT_PID"
    RUN_CMD="fanout $(printf '%q ' "$@") (in the background)"
    ERR_FILE=$PWD/err.txt
}

# forget_pid PID: takes a reaped pid off lib.sh's list of pids to kill at the end, as
# the number may belong to another process by then.
forget_pid() {
    local kept=() pid
    for pid in "${CLEANUP_PIDS[@]}"; do
        [ "$pid" == "$1" ] || kept+=("$pid")
    done
    CLEANUP_PIDS=("${kept[@]}")
}

# wait_exit SECS: waits up to SECS for the background fanout to end; sets STATUS (its
# exit status as the shell sees it) and ELAPSED_MS, or STATUS=hung after killing it.
wait_exit() {
    local limit start=$SECONDS begin=${EPOCHREALTIME/[.,]/} state
    limit=$(scaled "$1")
    while state=$(proc_state "$FANOUT_PID") && [ -n "$state" ] && [ "$state" != Z ]; do
        if ((SECONDS - start >= limit)); then
            echo "NOTE: fanout (pid $FANOUT_PID) still running after ${limit}s: killing it"
            kill -KILL "$FANOUT_PID" 2>/dev/null
            wait "$FANOUT_PID" 2>/dev/null
            STATUS=hung
            ELAPSED_MS=$(((${EPOCHREALTIME/[.,]/} - begin) / 1000))
            return
        fi
        sleep 0.05
    done
    wait "$FANOUT_PID" 2>/dev/null
    STATUS=$?
    forget_pid "$FANOUT_PID"
    ELAPSED_MS=$(((${EPOCHREALTIME/[.,]/} - begin) / 1000))
}
