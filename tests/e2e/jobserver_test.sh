# fanout as a client of GNU make's jobserver. Under a real `make -j4` (make 4.3 hands
# its recipes the pipe as --jobserver-auth=R,W): several recipes marked '+' share make's
# four slots, never more; tokens all go back when fanout halts early or is killed (make
# 4.3 complains "INTERNAL: Exiting with N jobserver tokens available; should be M!" when
# some are lost); a recipe without '+' warns and runs alone; `make -n` means no
# jobserver. With a pool made here (a FIFO holding known bytes, named as make 4.4 does
# with --jobserver-auth=fifo:PATH or as make 4.3 does with descriptors): exactly
# tokens+1 jobs at once, the same bytes back after every way out (normal, failures,
# --halt, SIGTERM, SIGINT, SIGHUP, a reader gone, an error), spare tokens back while
# a long job still runs; -j ignores the jobserver, --jobserver uses it anyway (-j
# caps), --no-jobserver ignores it; dry-run and unusable MAKEFLAGS mean no jobserver.
# Serving one (--serve-jobserver): four make 4.3s of ten 0.3 s recipes each, alone and
# under make -j4, never run more than -j recipes in all; the jobs' MAKEFLAGS and
# descriptors; tokens a dead job took come back; the FIFO goes on every way out.
# shellcheck source=lib.sh disable=SC1083,SC2016,SC2317 # literal braces and unexpanded $ are the point; wait_until calls the small functions
source "$(dirname "$0")/lib.sh"

# This script sets up every jobserver itself: none may leak in from a make running it.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKE_TERMOUT MAKE_TERMERR GNUMAKEFLAGS

# The jobs (job.sh) read them.
export MARK FANOUT

# job.sh LOG SECONDS STATUS [ARG]: appends "S <time>" to LOG, sleeps, appends
# "E <time>", prints ARG and exits with STATUS. fanout appends the input value as ARG.
JOB=$T/job.sh
export JOB
cat >"$JOB" <<'EOF'
#!/bin/sh
echo "S $(date +%s.%N)" >>"$1"
sleep "$2"
echo "E $(date +%s.%N)" >>"$1"
echo "${4:-}"
exit "$3"
EOF
chmod +x "$JOB"

# max_running LOG: the most jobs of LOG that ran at the same moment.
max_running() {
    if [ ! -s "$1" ]; then
        echo 0
        return
    fi
    sort -k2,2n -k1,1 "$1" | awk '$1 == "S" { if (++n > m) m = n } $1 == "E" { n-- } END { print m + 0 }'
}

# starts LOG: how many jobs of LOG have started.
starts() {
    if [ -f "$1" ]; then
        grep -c '^S ' "$1"
    else
        echo 0
    fi
}

at_least_starts() {
    [ "$(starts "$1")" -ge "$2" ]
}

# --- A token pool made here --------------------------------------------------------------
# new_pool TOKENS: a FIFO $PWD/pool holding the bytes TOKENS, open read-write on fd 7
# (as make holds it: the FIFO never reads as ended) and on fds 3 and 4 (the pair make
# 4.3 names).
new_pool() {
    exec 3>&- 4>&- 7>&-
    rm -f pool
    mkfifo pool
    exec 7<>pool
    exec 3<&7 4>&7
    printf '%s' "$1" >&7
    POOL=$PWD/pool
}

# pool_bytes: takes every byte now in the pool out and prints them sorted, so that the
# tokens can be compared in any order.
pool_bytes() {
    timeout 1 dd bs=1 count=100 iflag=nonblock <&7 2>/dev/null | fold -w1 | sort | tr -d '\n'
}

# warnings: fanout's warning lines in the last run's stderr.
warnings() {
    grep -c '^fanout: warning' "$ERR_FILE"
}

# Jobs that all run 0.3 s: with 3 tokens, 12 of them run 4 at a time.
fresh_dir fifo
new_pool abc
MAKEFLAGS=" -j4 --jobserver-auth=fifo:$POOL" run "$FANOUT" "$JOB" "$PWD/log" 0.3 0 ::: $(seq 12)
assert_status "FIFO pool: exit 0" 0
assert_eq "FIFO pool: every job ran" 12 "$(starts log)"
assert_eq "FIFO pool: no warning" "" "$ERR"
assert_eq "FIFO pool: 3 tokens, so 4 jobs at once (one on the implicit slot)" 4 "$(max_running log)"
assert_eq "FIFO pool: exactly the same bytes are back" abc "$(pool_bytes)"

# The same under make 4.3's descriptor pair, both forms make has written.
for form in --jobserver-auth --jobserver-fds; do
    fresh_dir "fds$form"
    new_pool xy
    MAKEFLAGS=" -j3 $form=3,4" run "$FANOUT" "$JOB" "$PWD/log" 0.3 0 ::: $(seq 9)
    assert_status "$form=3,4: exit 0" 0
    assert_eq "$form=3,4: no warning" "" "$ERR"
    assert_eq "$form=3,4: every job ran" 9 "$(starts log)"
    assert_eq "$form=3,4: 2 tokens, so 3 jobs at once" 3 "$(max_running log)"
    assert_eq "$form=3,4: exactly the same bytes are back" xy "$(pool_bytes)"
done

# An empty pool: only the implicit slot, one job at a time, and no hang waiting.
fresh_dir empty_pool
new_pool ''
MAKEFLAGS=" -j4 --jobserver-auth=3,4" run "$FANOUT" "$JOB" "$PWD/log" 0.2 0 ::: $(seq 4)
assert_status "empty pool: exit 0" 0
assert_eq "empty pool: every job ran" 4 "$(starts log)"
assert_eq "empty pool: one job at a time (the implicit slot)" 1 "$(max_running log)"
assert_eq "empty pool: no bytes appear in the pool" "" "$(pool_bytes)"

# What fanout runs at once with no jobserver (its CPU count here, at most 6).
fresh_dir baseline
new_pool ''
MAKEFLAGS=" -j4 --jobserver-auth=3,4" run "$FANOUT" --no-jobserver "$JOB" "$PWD/log" 0.5 0 ::: $(seq 6)
SLOTS=$(max_running log)
assert_status "--no-jobserver: exit 0" 0
assert_eq "--no-jobserver: no warning" "" "$ERR"
assert_eq "--no-jobserver: the pool is untouched" "" "$(pool_bytes)"
if [ "$SLOTS" -lt 2 ]; then
    echo "NOTE: fanout runs one job at a time here: the checks that a jobserver is ignored cannot tell"
fi

# -j given: the jobserver is ignored (an empty pool would allow only one job).
fresh_dir explicit_j
new_pool ''
MAKEFLAGS=" -j4 --jobserver-auth=3,4" run "$FANOUT" -j2 "$JOB" "$PWD/log" 0.5 0 ::: $(seq 6)
assert_status "-j2 under a jobserver: exit 0" 0
assert_eq "-j2 under a jobserver: no warning" "" "$ERR"
assert_eq "-j2 under a jobserver: 2 jobs at once, the empty pool ignored" 2 "$(max_running log)"
assert_eq "-j2 under a jobserver: the pool is untouched" "" "$(pool_bytes)"

# --jobserver: used even with -j, which then caps.
fresh_dir forced
new_pool abc
MAKEFLAGS=" -j4 --jobserver-auth=3,4" run "$FANOUT" --jobserver -j2 "$JOB" "$PWD/log" 0.3 0 ::: $(seq 6)
assert_status "--jobserver -j2: exit 0" 0
assert_eq "--jobserver -j2: -j caps the 4 slots the pool allows at 2" 2 "$(max_running log)"
assert_eq "--jobserver -j2: the same bytes are back" abc "$(pool_bytes)"
new_pool abc
MAKEFLAGS=" -j4 --jobserver-auth=3,4" run "$FANOUT" --jobserver -j8 "$JOB" "$PWD/log8" 0.3 0 ::: $(seq 12)
assert_status "--jobserver -j8: exit 0" 0
assert_eq "--jobserver -j8: the pool allows 4" 4 "$(max_running log8)"
assert_eq "--jobserver -j8: the same bytes are back" abc "$(pool_bytes)"
new_pool ''
MAKEFLAGS=" -j4 --jobserver-auth=3,4" run "$FANOUT" --jobserver -j4 "$JOB" "$PWD/log_empty" 0.2 0 ::: $(seq 4)
assert_status "--jobserver -j4, empty pool: exit 0" 0
assert_eq "--jobserver -j4, empty pool: one at a time" 1 "$(max_running log_empty)"
run "$FANOUT" --jobserver --no-jobserver echo ::: 1
assert_usage_error "--jobserver with --no-jobserver" "--no-jobserver"

# Dry-run make (`make -n` writes "n" first): no jobserver, and no warning.
fresh_dir dry_run
new_pool ''
MAKEFLAGS="n -j4 --jobserver-auth=3,4" run "$FANOUT" "$JOB" "$PWD/log" 0.5 0 ::: $(seq 6)
assert_status "make -n: exit 0" 0
assert_eq "make -n: no warning" "" "$ERR"
assert_eq "make -n: every job ran" 6 "$(starts log)"
assert_eq "make -n: as many at once as without a jobserver" "$SLOTS" "$(max_running log)"
assert_eq "make -n: the pool is untouched" "" "$(pool_bytes)"

# Negative descriptors (older makes' way of saying "no jobserver here"): none, quietly.
fresh_dir negative
new_pool ''
MAKEFLAGS=" -j4 --jobserver-auth=-2,-2" run "$FANOUT" "$JOB" "$PWD/log" 0.5 0 ::: $(seq 6)
assert_status "negative descriptors: exit 0" 0
assert_eq "negative descriptors: no warning" "" "$ERR"
assert_eq "negative descriptors: as many at once as without a jobserver" "$SLOTS" "$(max_running log)"

# Descriptors that are open, but not on a pipe: no jobserver.
fresh_dir not_pipes
MAKEFLAGS=" -j4 --jobserver-auth=0,2" run "$FANOUT" "$JOB" "$PWD/log" 0.5 0 ::: $(seq 6)
assert_status "descriptors that are not pipes: exit 0" 0
assert_eq "descriptors that are not pipes: every job ran" 6 "$(starts log)"
assert_eq "descriptors that are not pipes: as many at once as without a jobserver" "$SLOTS" "$(max_running log)"
assert_le "descriptors that are not pipes: at most one warning line" 1 "$(warnings)"

# Closed descriptors (what a recipe without '+' sees): one warning line, no jobserver.
fresh_dir closed
exec 3>&- 4>&- 7>&-
MAKEFLAGS=" -j4 --jobserver-auth=3,4" run "$FANOUT" "$JOB" "$PWD/log" 0.5 0 ::: $(seq 6)
assert_status "closed descriptors: exit 0" 0
assert_eq "closed descriptors: exactly this warning, once" \
    "fanout: warning: MAKEFLAGS names jobserver descriptors 3,4 that are not open pipes (mark the make recipe with '+'); running without the jobserver" \
    "$ERR"
assert_eq "closed descriptors: every job ran" 6 "$(starts log)"
assert_eq "closed descriptors: as many at once as without a jobserver" "$SLOTS" "$(max_running log)"
MAKEFLAGS=" -j4 --jobserver-auth=3,4" run "$FANOUT" --no-jobserver "$JOB" "$PWD/log2" 0 0 ::: 1
assert_eq "closed descriptors with --no-jobserver: no warning" "" "$ERR"

# A FIFO that does not exist: a warning naming it, then a run without the jobserver.
fresh_dir missing_fifo
MAKEFLAGS=" -j4 --jobserver-auth=fifo:$PWD/no-such-fifo" run "$FANOUT" "$JOB" "$PWD/log" 0.5 0 ::: $(seq 6)
assert_status "missing FIFO: exit 0" 0
assert_eq "missing FIFO: one stderr line" 1 "$(line_count "$ERR_FILE")"
assert_match "missing FIFO: a warning" '^fanout: warning: ' "$ERR"
assert_contains "missing FIFO: it names the FIFO" "$PWD/no-such-fifo" "$ERR"
assert_eq "missing FIFO: every job ran" 6 "$(starts log)"
assert_eq "missing FIFO: as many at once as without a jobserver" "$SLOTS" "$(max_running log)"

# Spare tokens go back while a long job still runs: one job of 3 s and three of 0.2 s
# start together; a second later nothing needs the 3 tokens any more.
fresh_dir prompt_release
new_pool abc
MAKEFLAGS=" -j4 --jobserver-auth=fifo:$POOL" "$FANOUT" \
    'if [ {} = 1 ]; then sleep 3; else sleep 0.2; fi; echo "S $(date +%s.%N)" >>log' ::: 1 2 3 4 \
    >out.txt 2>err.txt &
pid=$!
kill_at_exit "$pid"
sleep 1.2
assert_eq "prompt release: the 3 tokens are back while the long job runs" abc "$(pool_bytes)"
printf abc >&7
assert_true "prompt release: fanout is still running its long job" kill -0 "$pid"
wait "$pid"
assert_eq "prompt release: exit 0" 0 "$?"
assert_eq "prompt release: no token more or less at the end" abc "$(pool_bytes)"

# --- Every way out gives every token back ---------------------------------------------------
# Each run holds all 3 tokens of the pool 'abc' when it ends.

# Jobs that fail.
fresh_dir failures
new_pool abc
MAKEFLAGS=" -j4 --jobserver-auth=fifo:$POOL" run "$FANOUT" "$JOB" "$PWD/log" 0.3 1 ::: $(seq 4)
assert_status "failing jobs: exit 4 (four failed)" 4
assert_eq "failing jobs: 4 at once" 4 "$(max_running log)"
assert_eq "failing jobs: the same bytes are back" abc "$(pool_bytes)"

# --halt now,fail=1: job 2 fails while three long ones run.
for when in now soon; do
    fresh_dir "halt_$when"
    new_pool abc
    MAKEFLAGS=" -j4 --jobserver-auth=fifo:$POOL" run "$FANOUT" --halt "$when,fail=1" \
        'echo "S $(date +%s.%N)" >>log; if [ {} = 2 ]; then sleep 0.5; exit 1; fi; sleep 4.'"$MARK" ::: $(seq 8)
    assert_status "--halt $when,fail=1: exit 1" 1
    assert_eq "--halt $when,fail=1: 4 jobs had started" 4 "$(starts log)"
    if [ "$when" == now ]; then
        assert_eq "--halt now,fail=1: the same bytes are back" abc "$(pool_bytes)"
    else
        assert_eq "--halt soon,fail=1: the same bytes are back (after the running jobs ended)" abc "$(pool_bytes)"
    fi
    assert_true "--halt $when,fail=1: no job is left running" wait_until 5 no_leftover
    kill_leftovers
done

# Signals: fanout holds 3 tokens for 4 long jobs when it gets the signal.
for signal in TERM INT HUP; do
    fresh_dir "signal_$signal"
    new_pool abc
    MAKEFLAGS=" -j4 --jobserver-auth=fifo:$POOL" env --default-signal=INT \
        "$FANOUT" "$JOB" "$PWD/log" "30.$MARK" 0 ::: $(seq 8) >out.txt 2>err.txt &
    pid=$!
    kill_at_exit "$pid"
    assert_true "SIG$signal: 4 jobs start" wait_until 20 at_least_starts log 4
    kill "-$signal" "$pid"
    { wait "$pid"; } 2>/dev/null
    STATUS=$?
    case $signal in
    TERM) expected=143 ;;
    INT) expected=130 ;;
    HUP) expected=129 ;;
    esac
    assert_eq "SIG$signal: fanout dies by it" "$expected" "$STATUS"
    assert_eq "SIG$signal: the same bytes are back" abc "$(pool_bytes)"
    assert_true "SIG$signal: no job is left running" wait_until 5 no_leftover
    kill_leftovers
done

# The reader of fanout's output goes away: fanout stops by SIGPIPE.
fresh_dir broken_pipe
new_pool abc
MAKEFLAGS=" -j4 --jobserver-auth=fifo:$POOL" run bash -c \
    '"$1" --line-buffer "echo {}; sleep 0.5; echo {}; sleep 3.$MARK" ::: $(seq 8) | head -n 1; echo "${PIPESTATUS[0]}" >status' \
    _ "$FANOUT"
assert_eq "reader gone: fanout dies by SIGPIPE" 141 "$(cat status)"
assert_eq "reader gone: the same bytes are back" abc "$(pool_bytes)"
assert_true "reader gone: no job is left running" wait_until 5 no_leftover
kill_leftovers

# An error after connecting (a bad --load is read after the jobserver): nothing taken.
fresh_dir error
new_pool abc
MAKEFLAGS=" -j4 --jobserver-auth=fifo:$POOL" run "$FANOUT" --load nonsense echo ::: 1 2
assert_usage_error "an error under a jobserver" "--load"
assert_eq "an error under a jobserver: the pool is untouched" abc "$(pool_bytes)"
exec 3>&- 4>&- 7>&-

# --- Under GNU make ----------------------------------------------------------------------------

if ! have make || ! make --version 2>/dev/null | grep -q 'GNU Make'; then
    fail "GNU make is not installed: the tests under make cannot run"
    end_of_tests
fi
MAKE_VERSION=$(make --version | head -n 1)

# make_run ARGS...: runs make in the current directory.
make_run() {
    run make --no-print-directory "$@"
}

# make_is_content DESC: make's stderr has no complaint about the jobserver (make 4.3
# writes "make: INTERNAL: Exiting with N jobserver tokens available; should be M!" when
# tokens were lost or made up).
make_is_content() {
    assert_eq "$1: make does not complain about jobserver tokens ($MAKE_VERSION)" "" \
        "$(grep -Ei '^make.*jobserver|INTERNAL' "$ERR_FILE")"
}

# Three recipes of 20 jobs each under make -j4: never more than 4 jobs at once.
fresh_dir make_three
cat >Makefile <<'EOF'
.RECIPEPREFIX = >
all: r1 r2 r3
r1 r2 r3:
> +@echo "$$MAKEFLAGS" >$@.makeflags
> +@$(FANOUT) $(JOB) $(CURDIR)/all.log 0.3 0 ::: $$(seq 20) >$@.out
EOF
make_run -j4
assert_status "make -j4, 3 recipes: exit 0" 0
make_is_content "make -j4, 3 recipes"
assert_eq "make -j4, 3 recipes: no fanout warning" "" "$(grep '^fanout' "$ERR_FILE")"
assert_contains "make -j4, 3 recipes: make passes its jobserver in MAKEFLAGS" "--jobserver-auth=" "$(cat r1.makeflags)"
assert_eq "make -j4, 3 recipes: recipe r1 ran its 20 jobs" 20 "$(line_count r1.out)"
assert_eq "make -j4, 3 recipes: recipe r2 ran its 20 jobs" 20 "$(line_count r2.out)"
assert_eq "make -j4, 3 recipes: recipe r3 ran its 20 jobs" 20 "$(line_count r3.out)"
assert_eq "make -j4, 3 recipes: 60 jobs in all" 60 "$(starts all.log)"
running=$(max_running all.log)
assert_le "make -j4, 3 recipes: at most 4 jobs at once across all recipes" 4 "$running"
assert_ge "make -j4, 3 recipes: more than one at once (the slots are shared, not ignored)" 2 "$running"

# --plus's {0%} pads to the slots -X spreads over (the CPUs), not to the unbounded count
# of a jobserver without -j: one digit on a machine of fewer than 10 CPUs.
fresh_dir make_plus
cat >Makefile <<'EOF'
.RECIPEPREFIX = >
all:
> +@$(FANOUT) --plus -k echo {0%} ::: a
EOF
make_run -j4
assert_status "make -j4, {0%}: exit 0" 0
cpus=$(nproc)
assert_eq "make -j4, {0%}: padded to the CPUs' width" "$(printf '%0*d' "${#cpus}" 1)" "$OUT"

# One recipe under make -j4: it gets make's 3 free tokens.
fresh_dir make_one
cat >Makefile <<'EOF'
.RECIPEPREFIX = >
all:
> +@$(FANOUT) $(JOB) $(CURDIR)/all.log 1 0 ::: $$(seq 8) >out.txt
EOF
make_run -j4
assert_status "make -j4, 1 recipe: exit 0" 0
make_is_content "make -j4, 1 recipe"
assert_eq "make -j4, 1 recipe: every job ran" 8 "$(line_count out.txt)"
assert_eq "make -j4, 1 recipe: 4 jobs at once (3 tokens and the implicit slot)" 4 "$(max_running all.log)"

# -j2 in the recipe: make's jobserver is ignored.
fresh_dir make_explicit_j
cat >Makefile <<'EOF'
.RECIPEPREFIX = >
all:
> +@$(FANOUT) -j2 $(JOB) $(CURDIR)/all.log 0.5 0 ::: $$(seq 6) >out.txt
EOF
make_run -j4
assert_status "make -j4, fanout -j2: exit 0" 0
make_is_content "make -j4, fanout -j2"
assert_eq "make -j4, fanout -j2: 2 jobs at once" 2 "$(max_running all.log)"

# A recipe without '+': make closes the jobserver's descriptors, fanout warns and runs.
fresh_dir make_no_plus
cat >Makefile <<'EOF'
.RECIPEPREFIX = >
all:
> @echo "$$MAKEFLAGS" >makeflags
> @$(FANOUT) $(JOB) $(CURDIR)/all.log 0.3 0 ::: $$(seq 6) >out.txt
EOF
make_run -j4
fds=$(sed -n 's/.*--jobserver-auth=\([0-9]*,[0-9]*\).*/\1/p' makeflags)
assert_status "make -j4, no '+': exit 0" 0
assert_match "make -j4, no '+': make names descriptors" '^[0-9]+,[0-9]+$' "$fds"
assert_eq "make -j4, no '+': the warning, once" \
    "fanout: warning: MAKEFLAGS names jobserver descriptors $fds that are not open pipes (mark the make recipe with '+'); running without the jobserver" \
    "$(grep '^fanout' "$ERR_FILE")"
assert_eq "make -j4, no '+': every job ran" 6 "$(line_count out.txt)"
make_is_content "make -j4, no '+'"

# make -n runs '+' recipes, with "n" in MAKEFLAGS: no jobserver and no warning.
fresh_dir make_dry_run
cat >Makefile <<'EOF'
.RECIPEPREFIX = >
all:
> +@echo "$$MAKEFLAGS" >makeflags
> +@$(FANOUT) $(JOB) $(CURDIR)/all.log 0.3 0 ::: $$(seq 6) >out.txt
EOF
make_run -n -j4
assert_status "make -n -j4: exit 0" 0
assert_match "make -n -j4: MAKEFLAGS starts with n" '^n' "$(cat makeflags)"
assert_eq "make -n -j4: no fanout warning" "" "$(grep '^fanout' "$ERR_FILE")"
assert_eq "make -n -j4: every job ran" 6 "$(line_count out.txt)"
assert_eq "make -n -j4: as many at once as without a jobserver" "$SLOTS" "$(max_running all.log)"
make_is_content "make -n -j4"

# --halt now,fail=1 in a recipe: fanout stops with tokens held, and gives them back; a
# second fanout in the same recipe then gets all 3 again.
fresh_dir make_halt
cat >Makefile <<'EOF'
.RECIPEPREFIX = >
all:
> +-@$(FANOUT) --halt now,fail=1 'echo "S $$(date +%s.%N)" >>halt.log; if [ {} = 2 ]; then sleep 0.5; exit 1; fi; sleep 5.$(MARK)' ::: $$(seq 8)
> +@$(FANOUT) $(JOB) $(CURDIR)/after.log 1 0 ::: $$(seq 8) >out.txt
EOF
make_run -j4
assert_status "make, --halt now,fail=1: exit 0 (the failure is ignored with '-')" 0
assert_contains "make, --halt now,fail=1: fanout failed" "Error 1 (ignored)" "$ERR"
assert_eq "make, --halt now,fail=1: 4 jobs had started" 4 "$(starts halt.log)"
make_is_content "make, --halt now,fail=1"
assert_eq "make, --halt now,fail=1: the next fanout gets 4 slots again" 4 "$(max_running after.log)"
assert_true "make, --halt now,fail=1: no job is left running" wait_until 5 no_leftover
kill_leftovers

# SIGTERM and SIGINT to fanout inside a recipe, with 3 tokens held.
cat >"$T/signal_recipe.sh" <<'EOF'
#!/bin/bash
# signal_recipe.sh SIGNAL: runs fanout on long jobs, sends it SIGNAL once 4 run, records
# its exit status, then runs a second fanout that measures the slots left.
(
    for _ in $(seq 400); do
        if [ -s fanout.pid ] && [ "$(grep -c '^S ' sig.log 2>/dev/null)" -ge 4 ]; then
            kill "-$1" "$(cat fanout.pid)"
            exit 0
        fi
        sleep 0.05
    done
) &
sh -c 'echo $$ >fanout.pid; exec "$@"' sh "$FANOUT" "$JOB" "$PWD/sig.log" "30.$MARK" 0 ::: $(seq 8) >/dev/null
echo $? >fanout.status
wait
"$FANOUT" "$JOB" "$PWD/after.log" 1 0 ::: $(seq 8) >/dev/null
EOF
chmod +x "$T/signal_recipe.sh"
for signal in TERM INT; do
    fresh_dir "make_sig$signal"
    printf '.RECIPEPREFIX = >\nall:\n> +@%s %s\n' "$T/signal_recipe.sh" "$signal" >Makefile
    make_run -j4
    assert_status "make, SIG$signal to fanout: exit 0" 0
    [ "$signal" == TERM ] && expected=143 || expected=130
    assert_eq "make, SIG$signal to fanout: fanout died by it" "$expected" "$(cat fanout.status 2>/dev/null)"
    assert_eq "make, SIG$signal to fanout: 4 jobs had started" 4 "$(starts sig.log)"
    make_is_content "make, SIG$signal to fanout"
    assert_eq "make, SIG$signal to fanout: the next fanout gets 4 slots again" 4 "$(max_running after.log)"
    assert_true "make, SIG$signal to fanout: no job is left running" wait_until 5 no_leftover
    kill_leftovers
done

# --- Serving a jobserver to the jobs (--serve-jobserver) ---------------------------------------

# make_dirs: d1..d4, each a Makefile of 10 independent 0.3 s recipes that log their start
# and end to $RECIPES (no -j of their own: a make given -j leaves the jobserver).
make_dirs() {
    local d
    for d in d1 d2 d3 d4; do
        mkdir -p "$d"
        printf '.RECIPEPREFIX = >\nall: %s\n%s:\n> @echo "S $$(date +%%s.%%N)" >>$(RECIPES); sleep 0.3; echo "E $$(date +%%s.%%N)" >>$(RECIPES)\n' \
            "$(echo t{1..10})" "$(echo t{1..10})" >"$d/Makefile"
    done
}
export RECIPES

# no_pool_left: fanout's private directories for a pool are all gone from $TMPDIR.
no_pool_left() {
    [ -z "$(find "$TMPDIR" -maxdepth 1 -name 'fanout-jobserver-*' 2>/dev/null)" ]
}

pool_left() {
    ! no_pool_left
}

some_leftover() {
    [ -n "$(leftover)" ]
}

fresh_dir serve
export TMPDIR=$PWD/tmp
mkdir tmp
make_dirs
RECIPES=$PWD/recipes.log
run "$FANOUT" -j4 --serve-jobserver make -C {} ::: d1 d2 d3 d4
assert_status "--serve-jobserver -j4, 4 makes: exit 0" 0
assert_eq "--serve-jobserver -j4, 4 makes: make says nothing on stderr ($MAKE_VERSION)" "" "$ERR"
assert_eq "--serve-jobserver -j4, 4 makes: all 40 recipes ran" 40 "$(starts recipes.log)"
SERVED=$(max_running recipes.log)
assert_le "--serve-jobserver -j4, 4 makes: never more than 4 recipes at once" 4 "$SERVED"
assert_ge "--serve-jobserver -j4, 4 makes: the makes do run recipes side by side" 3 "$SERVED"
assert_true "--serve-jobserver: the pool's directory is gone" no_pool_left

# The problem it solves: four makes of -j4 each run 16 recipes at once.
RECIPES=$PWD/unserved.log
run "$FANOUT" -j4 make -j4 -C {} ::: d1 d2 d3 d4
assert_status "-j4 without --serve-jobserver, 4 makes of -j4: exit 0" 0
UNSERVED=$(max_running unserved.log)
assert_ge "-j4 without --serve-jobserver, 4 makes of -j4: more than 4 recipes at once" 5 "$UNSERVED"

# One make alone: it gets every slot (fanout holds no token for its only job).
RECIPES=$PWD/one.log
run "$FANOUT" -j4 --serve-jobserver make -C {} ::: d1
assert_status "--serve-jobserver -j4, one make: exit 0" 0
assert_eq "--serve-jobserver -j4, one make: its 10 recipes ran" 10 "$(starts one.log)"
assert_eq "--serve-jobserver -j4, one make: 4 recipes at once" 4 "$(max_running one.log)"
echo "concurrency: 4 makes served at -j4: $SERVED at most; 4 makes of -j4 unserved: $UNSERVED; one make alone: $(max_running one.log)"

# A fanout as a job is a client of the same pool: two of them, 6 jobs each, under -j3.
RECIPES=$PWD/nested.log
run "$FANOUT" -j3 --serve-jobserver "$FANOUT $JOB $RECIPES 0.3 0 ::: 1 2 3 4 5 6 ::: {}" ::: a b
assert_status "nested fanouts: exit 0" 0
assert_eq "nested fanouts: no warning" "" "$ERR"
assert_eq "nested fanouts: all 12 jobs ran" 12 "$(starts nested.log)"
assert_eq "nested fanouts: 3 jobs at once in all" 3 "$(max_running nested.log)"

# What the jobs see: MAKEFLAGS names the FIFO first and the descriptors last, and they
# are open in the job.
run "$FANOUT" -j3 --serve-jobserver \
    ': {}; echo "$MAKEFLAGS"; fds=${MAKEFLAGS##*=}; [ -p "/proc/self/fd/${fds%,*}" ] && [ -p "/proc/self/fd/${fds#*,}" ] && echo open' ::: 1
assert_status "what a job sees: exit 0" 0
assert_match "what a job sees: -j3, the FIFO, then the descriptors" \
    "^ -j3 --jobserver-auth=fifo:$TMPDIR/fanout-jobserver-[^ /]*/fifo --jobserver-auth=[0-9]+,[0-9]+"$'\n'"open$" "$OUT"
MAKEFLAGS="k -j8 --jobserver-auth=-1,-1 -- CC=cc" run "$FANOUT" -j2 --serve-jobserver ': {}; echo "$MAKEFLAGS"' ::: 1
assert_match "what a job sees: make's other flags kept, its -j and jobserver replaced" \
    "^k -j2 --jobserver-auth=fifo:[^ ]* --jobserver-auth=[0-9]+,[0-9]+ -- CC=cc$" "$OUT"
run "$FANOUT" -j2 ': {}; echo "${MAKEFLAGS-unset}"' ::: 1
assert_eq "without --serve-jobserver: no MAKEFLAGS" unset "$OUT"

# Tokens a job took with it when it died come back once no job runs: a job takes both
# tokens of -j3 and dies; then 3 jobs arrive and still run 3 at once.
RECIPES=$PWD/after_theft.log
THIEF='if [ {} = steal ]; then fds=${MAKEFLAGS##*=}; head -c 2 <&"${fds%,*}" >/dev/null; kill -9 $$; fi; "$JOB" "$RECIPES" 0.5 0'
run bash -c '{ echo steal; sleep 1; echo a; echo b; echo c; } | "$1" -j3 --serve-jobserver "$2"' _ "$FANOUT" "$THIEF"
assert_status "a job dies holding 2 tokens: exit 1 (that job failed)" 1
assert_eq "a job dies holding 2 tokens: the next 3 jobs ran" 3 "$(starts after_theft.log)"
assert_eq "a job dies holding 2 tokens: they are back, the next 3 run at once" 3 "$(max_running after_theft.log)"

# Every way out removes the pool: failures, signals.
run "$FANOUT" -j2 --serve-jobserver 'exit 3' ::: 1 2
assert_status "failing jobs: exit 2" 2
assert_true "failing jobs: the pool's directory is gone" no_pool_left
for signal in TERM INT; do
    env --default-signal=INT "$FANOUT" -j2 --serve-jobserver "sleep 30.$MARK" ::: 1 2 >/dev/null 2>&1 &
    pid=$!
    kill_at_exit "$pid"
    assert_true "SIG$signal: the pool is made" wait_until 10 pool_left
    assert_true "SIG$signal: the jobs start" wait_until 10 some_leftover
    kill "-$signal" "$pid"
    { wait "$pid"; } 2>/dev/null
    assert_true "SIG$signal: the pool's directory is gone" no_pool_left
    assert_true "SIG$signal: no job is left running" wait_until 5 no_leftover
    kill_leftovers
done

# Refused before any job: other hosts cannot reach the pool; nor can a -j no pipe holds.
run "$FANOUT" --serve-jobserver -S host echo ::: 1
assert_usage_error "--serve-jobserver -S" "--serve-jobserver"
run "$FANOUT" --serve-jobserver -j 70000 echo ::: 1
assert_usage_error "--serve-jobserver -j 70000" "--serve-jobserver"
assert_true "refused: no pool left behind" no_pool_left
run "$FANOUT" --dry-run --serve-jobserver echo ::: 1
assert_eq "--dry-run --serve-jobserver: only the command" "echo 1" "$OUT"
assert_true "--dry-run --serve-jobserver: no pool" no_pool_left
unset TMPDIR

# Under make -j4: fanout passes make's own pool to its makes (one pool for the tree).
fresh_dir serve_under_make
make_dirs
RECIPES=$PWD/recipes.log
cat >Makefile <<'EOF'
.RECIPEPREFIX = >
all:
> +@$(FANOUT) --serve-jobserver 'echo "$$MAKEFLAGS" >{}.makeflags; $(MAKE) -C {}' ::: d1 d2 d3 d4
EOF
make_run -j4
assert_status "make -j4, fanout --serve-jobserver of 4 makes: exit 0" 0
make_is_content "make -j4, fanout --serve-jobserver of 4 makes"
assert_eq "make -j4, fanout --serve-jobserver of 4 makes: all 40 recipes ran" 40 "$(starts recipes.log)"
UNDER_MAKE=$(max_running recipes.log)
assert_le "make -j4, fanout --serve-jobserver of 4 makes: never more than 4 recipes at once" 4 "$UNDER_MAKE"
assert_ge "make -j4, fanout --serve-jobserver of 4 makes: recipes side by side" 3 "$UNDER_MAKE"
assert_not_contains "make -j4, fanout --serve-jobserver: the jobs get make's pool, not one of ours" \
    "fanout-jobserver" "$(cat d1.makeflags)"
echo "concurrency: 4 makes served under make -j4: $UNDER_MAKE at most"

end_of_tests
