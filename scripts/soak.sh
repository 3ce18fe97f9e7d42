#!/usr/bin/env bash
# The full-size scale and leak checks of issue #8, run on demand (CI runs the smaller
# tests/e2e/scale_test.sh: 20,000 jobs and 2,000 under valgrind).
#
#   scripts/soak.sh [--jobs N] [--valgrind-jobs M] [--signal-rounds R]
#                   (defaults 100000, 10000 and 20)
#   FANOUT=/path/to/fanout   test that binary instead of building build-soak/ (RelWithDebInfo)
#   FANOUT_VALGRIND=/path    the binary for the leak check (default: build-soak/fanout_dynamic,
#                            or $FANOUT; valgrind cannot check a static binary)
#
# 1. Scale, once with --group and once with -k: N jobs at -j 256, each `head -c 1024
#    /dev/zero` (-N0, no shell) through a symlink with a unique name. Checks: exit status
#    0, nothing on stderr, exactly N*1024 bytes out, fanout's descriptors (sampled from
#    /proc/PID/fd) under 256*3+32, its peak RSS (VmHWM) under 64 MiB and not growing from
#    the first quarter of the run to the last, and afterwards no job process left (pgrep
#    -f on the unique name) and nothing left in the private TMPDIR.
# 2. Leaks: M jobs under valgrind (fanout only, --trace-children=no) with -k, a --joblog,
#    failures and one job whose output spills to a temp file. Checks: no memory error, no
#    definite or indirect leak, no descriptor fanout opened still open at exit, the exit
#    status (the failure count), the output in order byte for byte, the joblog's rows.
# 3. Signals against readers: R rounds for each of --group, -k and --line-buffer, with
#    a reader that never reads and one that takes about 2 MB/s. Jobs print 5 MB each and
#    keep running; after a random 0.2-2 s fanout gets INT, TERM or HUP at random.
#    Checks: it dies by that signal within 1 s (the slowest is reported), no job process
#    is left, nothing is left in the private TMPDIR.
#
# Takes, on an idle 2-core machine: about 2-3 minutes per scale run of 100,000 jobs
# (~1.5 ms a job) and 4-5 minutes for 10,000 jobs under valgrind (~20 ms a spawn); under
# heavy load far more (an hour in all at load 9-17). Progress goes to stderr;
# a markdown table of the results goes to stdout at the end. Exits 1 if any check failed,
# 2 on a usage error. The work directory is removed, or kept (path printed) on a failure.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly repo
readonly slots=256
readonly max_fds_allowed=$((slots * 3 + 32))
readonly max_rss_allowed_kib=65536
# RSS may grow by this much from the first quarter of a run to the last (allocator slack).
readonly rss_growth_allowed_kib=4096

jobs=100000
valgrind_jobs=10000
signal_rounds=20
signal_row=""
took_ms=0
failures=0
work=""
fanout_pid=""
scale_rows=()
valgrind_row=""

usage() {
    sed -n '5,7p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

parse_args() {
    while [[ $# -gt 0 ]]; do
        case $1 in
        --jobs) jobs=${2:-} && shift ;;
        --valgrind-jobs) valgrind_jobs=${2:-} && shift ;;
        --signal-rounds) signal_rounds=${2:-} && shift ;;
        -h | --help) usage ;;
        *) echo "soak.sh: unknown argument '$1'" >&2 && usage ;;
        esac
        shift
    done
    [[ $jobs =~ ^[1-9][0-9]*$ && $valgrind_jobs =~ ^[0-9]+$ && $signal_rounds =~ ^[0-9]+$ ]] || usage
}

note() { printf 'soak: %s\n' "$*" >&2; }

# check DESC EXPECTED ACTUAL: counts a failure when they differ.
check() {
    if [[ $2 == "$3" ]]; then
        return 0
    fi
    note "FAIL: $1: expected [$2], got [$3]"
    failures=$((failures + 1))
    return 1
}

# check_ge DESC MINIMUM ACTUAL
check_ge() {
    if ((${3:-0} >= $2)); then
        return 0
    fi
    note "FAIL: $1: $3 < $2"
    failures=$((failures + 1))
    return 1
}

# check_le DESC LIMIT ACTUAL
check_le() {
    if ((${3:-0} <= $2)); then
        return 0
    fi
    note "FAIL: $1: $3 > $2"
    failures=$((failures + 1))
    return 1
}

finish() {
    local rc=$?
    if [[ -n $fanout_pid ]]; then
        kill "$fanout_pid" 2>/dev/null || true
    fi
    if [[ -n $work ]]; then
        if ((failures == 0 && rc == 0)); then
            rm -rf "$work"
        else
            note "kept the work directory: $work"
        fi
    fi
}

find_fanout() {
    if [[ -n ${FANOUT:-} ]]; then
        [[ -x $FANOUT ]] || { note "FANOUT=$FANOUT is not executable" && exit 2; }
        return
    fi
    note "building build-soak/ (RelWithDebInfo, one core)"
    cmake -S "$repo" -B "$repo/build-soak" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFANOUT_TESTS=OFF >/dev/null
    cmake --build "$repo/build-soak" -j1 --target fanout >/dev/null
    FANOUT=$repo/build-soak/fanout
    # valgrind cannot check a static binary: the leak check runs its dynamic twin.
    if cmake --build "$repo/build-soak" -j1 --target fanout_dynamic >/dev/null 2>&1; then
        FANOUT_VALGRIND=${FANOUT_VALGRIND:-$repo/build-soak/fanout_dynamic}
    fi
}

now() { echo "${EPOCHREALTIME/[,.]/}"; } # microseconds

# --- sampling fanout while it runs ------------------------------------------------------
sample_fds=0
sample_rss=0
sample_hwm=0
rss_samples=()

# status_field STATUS KEY: the first word after "KEY:" in a /proc/PID/status text.
status_field() {
    [[ $1 =~ (^|$'\n')$2:[[:space:]]+([^[:space:]]+) ]] && echo "${BASH_REMATCH[2]}"
}

# Reads one sample of fanout's descriptors and memory; fails once it has exited. The
# status file is read in one go: read(1) line by line seeks, and /proc regenerates the
# text between reads, so a line that changed length (State: R vs D) garbles the rest.
sample_once() {
    local pid=$1 status state rss hwm
    local -a fds
    status=$(cat "/proc/$pid/status" 2>/dev/null) || return 1
    state=$(status_field "$status" State) || return 1
    [[ $state != Z ]] || return 1
    rss=$(status_field "$status" VmRSS) || return 0
    hwm=$(status_field "$status" VmHWM) || return 0
    fds=("/proc/$pid/fd"/*)
    sample_fds=$((${#fds[@]} > sample_fds ? ${#fds[@]} : sample_fds))
    sample_rss=$((rss > sample_rss ? rss : sample_rss))
    sample_hwm=$((hwm > sample_hwm ? hwm : sample_hwm))
    rss_samples+=("$rss")
    return 0
}

# sample_until_exit PID DEADLINE-SECONDS: samples every 0.2 s; kills PID at the deadline.
sample_until_exit() {
    local pid=$1 deadline=$((SECONDS + $2))
    sample_fds=0 sample_rss=0 sample_hwm=0 rss_samples=()
    shopt -s nullglob
    while sample_once "$pid"; do
        if ((SECONDS >= deadline)); then
            note "FAIL: fanout still runs after $2 s; killing it"
            failures=$((failures + 1))
            kill "$pid" 2>/dev/null || true
        fi
        sleep 0.2
    done
    shopt -u nullglob
}

# max_of_quarter Q: the largest RSS sample in quarter Q (1-4) of the run.
max_of_quarter() {
    local n=${#rss_samples[@]} i max=0
    for ((i = n * ($1 - 1) / 4; i < n * $1 / 4; i++)); do
        max=$((rss_samples[i] > max ? rss_samples[i] : max))
    done
    echo "$max"
}

# --- 1. scale ---------------------------------------------------------------------------
# scale_run MODE-FLAG: N jobs of 1 KiB each at -j 256; appends a row to scale_rows.
scale_run() {
    local mode=$1 dir="$work/scale${1//-/}" job_bin status start elapsed bytes ok=1 early late
    mkdir -p "$dir/tmp"
    job_bin="$dir/soak-job-$$-$RANDOM"
    ln -s "$(command -v head)" "$job_bin"
    seq "$jobs" >"$dir/jobs.txt"
    mkfifo "$dir/out.fifo"
    wc -c <"$dir/out.fifo" >"$dir/out.count" &
    local reader=$!
    note "scale $mode: $jobs jobs at -j $slots"
    start=$(now)
    TMPDIR="$dir/tmp" "$FANOUT" "$mode" -j "$slots" -N0 "$job_bin" -c 1024 /dev/zero \
        <"$dir/jobs.txt" >"$dir/out.fifo" 2>"$dir/err.txt" &
    fanout_pid=$!
    sample_until_exit "$fanout_pid" $((jobs / 50 + 300))
    status=0
    wait "$fanout_pid" || status=$?
    elapsed=$(($(now) - start))
    fanout_pid=""
    wait "$reader"
    bytes=$(tr -d ' ' <"$dir/out.count")
    early=$(max_of_quarter 1)
    late=$(max_of_quarter 4)
    note "scale $mode: ${#rss_samples[@]} samples; RSS at most $early KiB in the first quarter, $late KiB in the last"

    check "$mode: exit status" 0 "$status" || ok=0
    check "$mode: bytes out" $((jobs * 1024)) "$bytes" || ok=0
    check "$mode: stderr" "" "$(head -c 2000 "$dir/err.txt")" || ok=0
    check_ge "$mode: samples taken" 3 "${#rss_samples[@]}" || ok=0
    check_le "$mode: fanout's descriptors" "$max_fds_allowed" "$sample_fds" || ok=0
    check_le "$mode: fanout's peak RSS (KiB)" "$max_rss_allowed_kib" "$sample_hwm" || ok=0
    check_le "$mode: RSS growth, first to last quarter (KiB)" "$rss_growth_allowed_kib" $((late - early)) || ok=0
    check "$mode: job processes left" "" "$(pgrep -af -- "$job_bin" || true)" || ok=0
    check "$mode: files left in TMPDIR" "" "$(find "$dir/tmp" -mindepth 1 | head -5)" || ok=0

    local wall rate
    wall=$(awk -v us="$elapsed" 'BEGIN { printf "%.1f", us / 1e6 }')
    rate=$(awk -v us="$elapsed" -v n="$jobs" 'BEGIN { printf "%.0f", n / (us / 1e6) }')
    scale_rows+=("| $mode | $jobs | $wall | $rate | $sample_fds | $sample_hwm ($early -> $late) | $bytes | $(verdict "$ok") |")
    rm -rf "$dir"
}

verdict() { if (($1)); then echo ok; else echo FAIL; fi; }

# --- 2. leaks under valgrind ------------------------------------------------------------
# The middle job's 3 MiB pass the in-memory budget: a temp file holds them.
readonly spill_bytes=$((3 * 1024 * 1024))
spill_job() { echo $(((valgrind_jobs + 1) / 2)); }

# The output -k must produce: each job's number, except failures (every number ending in
# 007) print nothing and the spill job prints its zeros.
expected_valgrind_output() {
    seq "$valgrind_jobs" | awk -v spill="$(spill_job)" -v n="$spill_bytes" '
        /007$/ { next }
        $0 == spill { fflush(); system("head -c " n " /dev/zero"); next }
        { print }'
}

# Pulls "definitely lost: X bytes in Y blocks" and friends out of a valgrind log.
leak_summary() {
    local log=$1
    if grep -q 'All heap blocks were freed' "$log"; then
        echo "all heap blocks freed"
        return
    fi
    sed -n -E 's/^==[0-9]+==[[:space:]]+(definitely|indirectly|possibly) lost: ([0-9,]+ bytes) in.*/\1 \2/p;
        s/^==[0-9]+==[[:space:]]+still reachable: ([0-9,]+ bytes) in.*/still reachable \1/p' "$log" |
        paste -sd';' - | sed 's/;/; /g'
}

# Counts the descriptors fanout itself left open at exit: valgrind lists each with the
# stack that opened it; stdin/out/err and whatever the caller passed down are inherited.
leaked_fds() {
    awk '/Open file descriptor [0-9]+:/ { getline; if ($0 !~ /inherited from parent/) n++ }
        END { print n + 0 }' "$1"
}

valgrind_run() {
    local dir="$work/valgrind" job_sh status start elapsed ok=1 failed expected_status
    mkdir -p "$dir/tmp"
    # Jobs run through a shell with a unique name, so pgrep -f finds any left over.
    job_sh="$dir/soak-sh-$$-$RANDOM"
    ln -s "$(command -v sh)" "$job_sh"
    failed=$(seq "$valgrind_jobs" | grep -c '007$' || true)
    expected_status=$((failed > 100 ? 101 : failed))
    note "valgrind: $valgrind_jobs jobs, -k -j 8, $failed failures, a joblog, a spill"
    start=$(now)
    status=0
    seq "$valgrind_jobs" | TMPDIR="$dir/tmp" timeout $((valgrind_jobs / 10 + 300)) \
        valgrind --trace-children=no --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --error-exitcode=99 --track-fds=yes --log-file="$dir/valgrind.log" \
        "${FANOUT_VALGRIND:-$FANOUT}" -k -j 8 --shell "$job_sh" --joblog "$dir/joblog" \
        "case {} in *007) exit 3;; $(spill_job)) head -c $spill_bytes /dev/zero;; *) echo {};; esac" \
        >"$dir/out" 2>"$dir/err.txt" || status=$?
    elapsed=$(($(now) - start))

    check "valgrind: exit status (99: valgrind errors, 124: timeout)" "$expected_status" "$status" || ok=0
    check "valgrind: memory errors" 1 "$(grep -c 'ERROR SUMMARY: 0 errors' "$dir/valgrind.log")" || ok=0
    check "valgrind: definite or indirect leaks" "" \
        "$(grep -E '(definitely|indirectly) lost: [1-9]' "$dir/valgrind.log" || true)" || ok=0
    check "valgrind: descriptors fanout opened and left open at exit" 0 "$(leaked_fds "$dir/valgrind.log")" || ok=0
    check "valgrind: output in order" "$(expected_valgrind_output | md5sum)" "$(md5sum <"$dir/out")" || ok=0
    check "valgrind: joblog rows" "$valgrind_jobs" "$(($(wc -l <"$dir/joblog") - 1))" || ok=0
    check "valgrind: failed jobs in the joblog" "$failed" "$(awk -F'\t' 'NR > 1 && $7 != 0' "$dir/joblog" | wc -l)" ||
        ok=0
    check "valgrind: job processes left" "" "$(pgrep -af -- "$job_sh" || true)" || ok=0
    check "valgrind: files left in TMPDIR" "" "$(find "$dir/tmp" -mindepth 1 | head -5)" || ok=0

    local wall
    wall=$(awk -v us="$elapsed" 'BEGIN { printf "%.1f", us / 1e6 }')
    valgrind_row="| $valgrind_jobs | $wall | $failed | $(leak_summary "$dir/valgrind.log") | $(verdict "$ok") |"
    if ((ok)); then
        rm -rf "$dir"
    fi
}

# --- 3. signals while the reader is stalled or slow -------------------------------------

# A reader of about 2 MB/s: 64 KiB, then 30 ms of sleep.
slow_reader() {
    python3 -c '
import sys, time
while sys.stdin.buffer.read1(65536):
    time.sleep(0.03)
'
}

# signal_round MODE READER: one run, one random signal; sets took_ms to the time it took to die.
signal_round() {
    local mode=$1 reader=$2 mark sig pid start fifo reader_pid status expected
    mark=$(printf '41.%05d%05d' $RANDOM $RANDOM)
    sig=$(shuf -n 1 -e INT TERM HUP)
    fifo="$work/signal.fifo"
    rm -f "$fifo"
    mkfifo "$fifo"
    if [[ $reader == stalled ]]; then
        sleep 1000 <"$fifo" &
    else
        slow_reader <"$fifo" &
    fi
    reader_pid=$!
    # env: a script's & starts fanout with SIGINT ignored, and ignored it would stay.
    TMPDIR="$work/signal-tmp" env --default-signal=INT "$FANOUT" "$mode" -j3 "yes {} | head -c 5000000; sleep $mark" ::: 1 2 3 4 5 6 \
        >"$fifo" 2>/dev/null &
    pid=$!
    fanout_pid=$pid
    sleep "0.$((RANDOM % 18 + 2))"
    start=$(now)
    kill -"$sig" "$pid"
    while kill -0 "$pid" 2>/dev/null && (($(now) - start < 10000000)); do
        sleep 0.01
    done
    local took=$((($(now) - start) / 1000))
    kill -KILL "$pid" 2>/dev/null || true
    status=0
    wait "$pid" || status=$?
    fanout_pid=""
    expected=$((128 + $(kill -l "$sig")))
    check "$mode, $reader reader, SIG$sig: exit status" "$expected" "$status" || true
    check_le "$mode, $reader reader, SIG$sig: dies within 1000 ms" 1000 "$took" || true
    sleep 0.3
    check "$mode, $reader reader, SIG$sig: no job left" "" "$(pgrep -f -- "$mark" || true)" || true
    check "$mode, $reader reader, SIG$sig: no temp file left" "" "$(ls -A "$work/signal-tmp")" || true
    kill "$reader_pid" 2>/dev/null || true
    wait "$reader_pid" 2>/dev/null || true
    took_ms=$took
}

signal_runs() {
    local mode reader i slowest=0 runs=0 before=$failures
    mkdir -p "$work/signal-tmp"
    for mode in --group -k --line-buffer; do
        for reader in stalled slow; do
            note "signals: $mode, $reader reader, $signal_rounds rounds"
            for ((i = 0; i < signal_rounds; i++)); do
                signal_round "$mode" "$reader"
                runs=$((runs + 1))
                ((took_ms > slowest)) && slowest=$took_ms
            done
        done
    done
    signal_row="| $runs | $slowest | $(verdict $((failures == before))) |"
}

print_report() {
    local commit dirty=""
    commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
    if [[ -n $(git -C "$repo" status --porcelain -- src 2>/dev/null) ]]; then
        dirty=" (src/ has uncommitted changes)"
    fi
    echo "## Soak: $commit$dirty, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    echo "| mode | jobs | wall s | jobs/s | max fds | peak RSS KiB (first -> last quarter) | bytes out | result |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
    printf '%s\n' "${scale_rows[@]}"
    if [[ -n $signal_row ]]; then
        echo
        echo "| signals vs stalled/slow readers: runs | slowest exit ms | result |"
        echo "| ---: | ---: | --- |"
        echo "$signal_row"
    fi
    if [[ -n $valgrind_row ]]; then
        echo
        echo "| valgrind: jobs | wall s | failures | leak summary | result |"
        echo "| ---: | ---: | ---: | --- | --- |"
        echo "$valgrind_row"
    fi
    echo
    echo "Failed checks: $failures"
}

main() {
    parse_args "$@"
    trap finish EXIT
    find_fanout
    work=$(mktemp -d "${TMPDIR:-/tmp}/fanout-soak.XXXXXX")
    local started=$SECONDS
    scale_run --group
    scale_run -k
    if ((signal_rounds > 0)); then
        signal_runs
    fi
    if ((valgrind_jobs == 0)); then
        note "--valgrind-jobs 0: no leak check"
    elif command -v valgrind >/dev/null; then
        valgrind_run
    else
        note "FAIL: valgrind is not installed"
        failures=$((failures + 1))
    fi
    note "done in $((SECONDS - started)) s"
    print_report
    ((failures == 0))
}

main "$@"
