# Scale: ten thousand jobs, 256 at a time, with fanout's descriptors and memory
# sampled while they run; then a leak check of thousands of jobs under valgrind.
# shellcheck source=lib.sh disable=SC1083,SC2016 # literal braces and unexpanded $ are the point
source "$(dirname "$0")/lib.sh"

# --- many jobs, 256 at a time ------------------------------------------------------------
# 10,000 rather than 100,000 jobs, to keep CI short: scripts/soak.sh runs the full-size
# checks (100,000 jobs with --group and -k, 10,000 under valgrind) on demand.
JOBS=10000
SLOTS=256
# The jobs run head through a symlink with a name of their own, so pgrep -f finds any
# that outlive the run and nothing else.
JOB_BIN="$T/scale-job-$$-$RANDOM"
ln -s "$(command -v head)" "$JOB_BIN"

mkfifo "$T/out.fifo"
wc -c <"$T/out.fifo" >"$T/out.count" &
reader=$!
seq "$JOBS" >"$T/jobs.txt"
"$FANOUT" -j "$SLOTS" -N0 "$JOB_BIN" -c 1024 /dev/zero <"$T/jobs.txt" >"$T/out.fifo" 2>"$T/err.txt" &
pid=$!
samples=0
max_fds=0
max_rss=0
deadline=$((SECONDS + $(scaled 200)))
while true; do
    state=$(awk '/^State:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
    if [ -z "$state" ] || [ "$state" = Z ]; then
        break
    fi
    fds=$(find "/proc/$pid/fd" -mindepth 1 2>/dev/null | wc -l)
    rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
    if [ -n "$rss" ] && [ "$fds" -gt 0 ]; then
        samples=$((samples + 1))
        [ "$fds" -gt "$max_fds" ] && max_fds=$fds
        [ "$rss" -gt "$max_rss" ] && max_rss=$rss
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
        echo "NOTE: fanout still runs after $(scaled 200) s; killing it"
        kill "$pid"
    fi
    sleep 0.5
done
wait "$pid"
status=$?
wait "$reader"
echo "NOTE: $JOBS jobs at -j $SLOTS: $samples samples, at most $max_fds descriptors and $max_rss KiB RSS"
assert_eq "$JOBS jobs at -j $SLOTS: exit status" 0 "$status"
assert_eq "$JOBS jobs at -j $SLOTS: every byte arrives" $((JOBS * 1024)) "$(tr -d ' ' <"$T/out.count")"
assert_eq "$JOBS jobs at -j $SLOTS: nothing on stderr" "" "$(cat "$T/err.txt")"
assert_ge "fanout was sampled while it ran" 3 "$samples"
assert_le "fanout's descriptors stay under $SLOTS*3+32" $((SLOTS * 3 + 32)) "$max_fds"
# Under ASan the shadow memory, not fanout's data, sets RSS: the bound holds only for
# a plain build (the sanitizer build has LeakSanitizer watching instead).
if [ "${FANOUT_SANITIZED:-0}" = 1 ]; then
    echo "NOTE: sanitizer build: RSS bound not checked (max seen ${max_rss} KiB)"
else
    assert_le "fanout's RSS stays under 64 MiB (KiB)" 65536 "$max_rss"
fi
assert_eq "no job process is left" "" "$(pgrep -af -- "$JOB_BIN")"

# In order: -k holds 5,000 finished jobs' output behind a slow first one.
seq 5000 >"$T/k_jobs.txt"
run --stdin "$T/k_jobs.txt" "$FANOUT" -k -j "$SLOTS" 'case {} in 1) sleep 1;; esac; echo {}'
assert_status "5000 jobs with -k behind a slow first job: exit status" 0
assert_eq "5000 jobs with -k behind a slow first job: every line in order" \
    "$(seq 5000 | md5sum)" "$(md5sum <"$OUT_FILE")"

# --- leaks: valgrind --------------------------------------------------------------------
# FANOUT_VALGRIND is a dynamically linked build of the same code when $FANOUT is static:
# memcheck cannot replace the malloc of a static binary.
# 2,000 rather than 10,000 jobs: under valgrind each spawn costs about 20 ms here
# (scripts/soak.sh --valgrind-jobs 10000 runs the full size).
# valgrind_run DESC EXPECTED-STATUS FANOUT-ARGS... (stdin from $VG_INPUT)
valgrind_run() {
    local desc=$1 expected=$2
    shift 2
    run --timeout 240 --stdin "$VG_INPUT" valgrind --leak-check=full --error-exitcode=3 \
        --log-file="$T/valgrind.log" "${FANOUT_VALGRIND:-$FANOUT}" "$@"
    assert_status "$desc under valgrind: exit status (3: valgrind found errors)" "$expected"
    assert_contains "$desc under valgrind: no memory errors" "ERROR SUMMARY: 0 errors" "$(cat "$T/valgrind.log")"
    assert_eq "$desc under valgrind: definitely lost: none" "" \
        "$(grep -E 'definitely lost: [1-9]|indirectly lost: [1-9]' "$T/valgrind.log")"
}
if [ "${FANOUT_SANITIZED:-0}" = 1 ]; then
    # valgrind cannot run an ASan binary; LeakSanitizer checks every run of this build.
    echo "NOTE: sanitizer build: leaks are checked by LeakSanitizer, not valgrind"
elif command -v valgrind >/dev/null; then
    VG_INPUT="$T/vg_jobs.txt"
    seq 2000 >"$VG_INPUT"
    valgrind_run "2000 jobs 'true'" 0 -j4 true
    # Other paths: -k holding, a spill to a temp file, failures, a joblog and the summary.
    seq 100 >"$VG_INPUT"
    valgrind_run "100 jobs: -k, spill, failures, joblog" 2 -k -j4 --joblog "$T/vg.log" \
        'case {} in 7) head -c 3M /dev/zero;; 9|10) exit 3;; *) echo {};; esac'
    # 3 MiB from job 7, and "N\n" from the 97 jobs that echo: 292 bytes less 2+2+3.
    assert_eq "100 jobs under valgrind: every byte arrives" $((3 * 1024 * 1024 + 285)) \
        "$(wc -c <"$OUT_FILE")"
else
    echo "SKIP: valgrind is not installed: no leak check"
fi

end_of_tests
