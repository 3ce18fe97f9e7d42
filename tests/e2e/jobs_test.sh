# -j/-P/--jobs: sequential with 1, really N at once, never more than N, the forms
# N% +N -N 0, the default, and bad values rejected before any job starts.
# shellcheck source=lib.sh disable=SC1083,SC2016 # literal braces and unexpanded $ are the point
source "$(dirname "$0")/lib.sh"

# A job that waits (at most 30 s) until N jobs have each created started.*: it only
# succeeds when N jobs run at the same time.
rendezvous() { # N
    printf 'touch started.{}; i=0; while [ "$(ls started.* | wc -l)" -lt %d ]; do i=$((i+1)); [ $i -gt 600 ] && exit 1; sleep 0.05; done' "$1"
}

# A job that records how many jobs run at this moment, then stays a while.
# A job's file exists only while that job runs, so the count never overcounts.
count_running='touch running.{}; ls running.* | wc -l >>counts.{}; sleep 0.3; rm running.{}'

max_running() {
    cat counts.* | sort -n | tail -n 1
}

# --- -j1 is strictly sequential --------------------------------------------------------
for flag in -j1 -P1 '--jobs=1' '-j 1'; do
    fresh_dir "seq$RUN_N"
    # shellcheck disable=SC2086 # '-j 1' is meant to split into two words
    run "$FANOUT" $flag 'mkdir lock || exit 1; sleep 0.05; rmdir lock; echo {}' ::: 1 2 3 4 5 6 7 8
    assert_status "$flag: jobs never overlap (each takes the lock dir)" 0
    assert_no_file "$flag: the last job released the lock" lock
    assert_eq "$flag: all 8 jobs ran" "$(seq 8)" "$(sort -n "$OUT_FILE")"
done
cd "$T" || exit 1

# --- -j4 runs 4 at once, never more ---------------------------------------------------
fresh_dir four
run "$FANOUT" -j4 "$(rendezvous 4)" ::: 1 2 3 4
assert_status "-j4: four jobs run at the same time" 0
fresh_dir four_max
run "$FANOUT" -j4 "$count_running" ::: $(seq 12)
assert_status "-j4 counting: exit status" 0
assert_eq "-j4 counting: all 12 jobs ran" 12 "$(ls counts.* | wc -l)"
assert_le "-j4: never more than 4 jobs at once" 4 "$(max_running)"
fresh_dir three_max
run "$FANOUT" -P3 "$count_running" ::: $(seq 9)
assert_le "-P3: never more than 3 jobs at once" 3 "$(max_running)"
fresh_dir jobs_long
run "$FANOUT" --jobs 3 "$(rendezvous 3)" ::: 1 2 3
assert_status "--jobs 3: three jobs at the same time" 0

# --- -j0: as many as possible -----------------------------------------------------------
fresh_dir zero
run "$FANOUT" -j0 "$(rendezvous 20)" ::: $(seq 20)
assert_status "-j0: twenty jobs run at the same time" 0
cd "$T" || exit 1

# --- the default is the usable CPUs ------------------------------------------------------
# The CPUs this process may use: its affinity (nproc), capped by a cgroup CPU quota
# (v2 cpu.max, or v1 cfs quota) on its cgroup or an ancestor, rounded up.
usable_cpus() {
    local cpus limit path level quota period
    cpus=$(nproc)
    for path in $(sed -n 's/^0::\(.*\)/\1/p' /proc/self/cgroup); do
        level=/sys/fs/cgroup${path%/}
        while :; do
            if [ -r "$level/cpu.max" ] && read -r quota period <"$level/cpu.max" && [ "$quota" != max ]; then
                limit=$(((quota + period - 1) / period))
                [ "$limit" -lt "$cpus" ] && cpus=$limit
            fi
            [ "$level" = /sys/fs/cgroup ] && break
            level=${level%/*}
        done
    done
    for level in /sys/fs/cgroup/cpu /sys/fs/cgroup/cpu,cpuacct; do
        quota=$(cat "$level/cpu.cfs_quota_us" 2>/dev/null) || continue
        period=$(cat "$level/cpu.cfs_period_us" 2>/dev/null) || continue
        if [ "$quota" -gt 0 ] && [ "$period" -gt 0 ]; then
            limit=$(((quota + period - 1) / period))
            [ "$limit" -lt "$cpus" ] && cpus=$limit
        fi
    done
    [ "$cpus" -lt 1 ] && cpus=1
    echo "$cpus"
}
cpus=$(usable_cpus)
fresh_dir default
run "$FANOUT" "$(rendezvous "$cpus")" ::: $(seq "$cpus")
assert_status "default -j: $cpus jobs (the usable CPUs) run at the same time" 0
fresh_dir default_max
run "$FANOUT" "$count_running" ::: $(seq $((cpus * 3)))
assert_le "default -j: never more than $cpus jobs (the usable CPUs) at once" "$cpus" "$(max_running)"
cd "$T" || exit 1

# --- the relative forms -----------------------------------------------------------------
fresh_dir percent
run "$FANOUT" -j 100% "$(rendezvous "$cpus")" ::: $(seq "$cpus")
assert_status "-j 100%: $cpus jobs at once" 0
fresh_dir percent_max
run "$FANOUT" -j 100% "$count_running" ::: $(seq $((cpus * 2)))
assert_le "-j 100%: never more than $cpus at once" "$cpus" "$(max_running)"
fresh_dir double
run "$FANOUT" -j 200% "$(rendezvous $((cpus * 2)))" ::: $(seq $((cpus * 2)))
assert_status "-j 200%: $((cpus * 2)) jobs at once" 0
fresh_dir plus
run "$FANOUT" -j +2 "$(rendezvous $((cpus + 2)))" ::: $(seq $((cpus + 2)))
assert_status "-j +2: $((cpus + 2)) jobs at once" 0
fresh_dir plus_max
run "$FANOUT" -j +1 "$count_running" ::: $(seq $((cpus * 3)))
assert_le "-j +1: never more than $((cpus + 1)) at once" $((cpus + 1)) "$(max_running)"
fresh_dir minus
run "$FANOUT" -j -1 "$count_running" ::: $(seq $((cpus * 3)))
assert_status "-j -1: exit status" 0
want=$((cpus > 1 ? cpus - 1 : 1))
assert_le "-j -1: never more than $want at once" "$want" "$(max_running)"
cd "$T" || exit 1

# --- bad values: usage error, no job started -----------------------------------------------
for bad in abc 2x ''; do
    fresh_dir "bad$RUN_N"
    run "$FANOUT" -j "$bad" touch ran ::: a
    assert_usage_error "-j '$bad'" "-j"
    assert_no_file "-j '$bad': no job started" ran a
done
fresh_dir bad_long
run "$FANOUT" --jobs=abc touch ran ::: a
assert_usage_error "--jobs=abc" "-j"
assert_no_file "--jobs=abc: no job started" ran a
fresh_dir bad_p
run "$FANOUT" -P x touch ran ::: a
assert_status "-P x: exit status 255" 255
assert_match "-P x: one 'fanout: error:' line" '^fanout: error: [^'$'\n'']*$' "$ERR"
assert_no_file "-P x: no job started" ran a
cd "$T" || exit 1

end_of_tests
