# Self-test of slurm_lib.sh, the private loopback Slurm cluster of the Slurm tests: setup,
# jobs on every node, srun --overlap and --exact inside salloc, the allocation's
# environment (with the ms of an srun step and of salloc), scancel leaving no step and no
# process, slurm_kill_node (and whether srun notices), slurm_revive_node, slurm_teardown,
# the EXIT trap chain and the watchdog.
# Not a *_test.sh: CMake does not register it (it needs root and the Slurm packages; like
# sshd_lib_selftest.sh it is run by hand). Run it like the others:
#   FANOUT=build/fanout bash tests/e2e/slurm_lib_selftest.sh
# shellcheck source=lib.sh disable=SC2016 # unexpanded $ are for the tasks' shells
source "$(dirname "$0")/lib.sh"
# shellcheck source=slurm_lib.sh
source "$FANOUT_SRC/tests/e2e/slurm_lib.sh"

if ! slurm_available; then
    fail "slurm_available: root and slurmctld slurmd slurm-client munge are needed"
    end_of_tests
fi

# ms_since START: the milliseconds since START, an $EPOCHREALTIME.
ms_since() {
    local now=${EPOCHREALTIME/./} start=${1/./}
    echo $(((now - start) / 1000))
}

all_alive() {
    local pid
    for pid in "$@"; do
        sshd__alive "$pid" || return 1
    done
}

all_gone() {
    local pid
    for pid in "$@"; do
        sshd__alive "$pid" && return 1
    done
    return 0
}

has_steps() {
    [ -n "$(slurm_steps)" ]
}

no_steps() {
    [ -z "$(slurm_steps)" ]
}

# no_cluster_process DIR: no live process names DIR on its command line or has
# SLURM_CONF=DIR/slurm.conf in its environment.
no_cluster_process() {
    local pid
    for pid in $(grep -lsaF -e "$1" /proc/[0-9]*/cmdline | cut -d/ -f3) \
        $(grep -lsazxF -e "SLURM_CONF=$1/slurm.conf" /proc/[0-9]*/environ | cut -d/ -f3); do
        [ "$pid" = "$$" ] || [ "$pid" = "$BASHPID" ] && continue
        sshd__alive "$pid" && return 1
    done
    return 0
}

median() {
    sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# --- setup -------------------------------------------------------------------------------
start=$EPOCHREALTIME
assert_true "slurm_setup 3 succeeds" slurm_setup 3
[ -n "$SLURM_DIR" ] || end_of_tests
echo "NOTE: slurm_setup 3 took $(ms_since "$start") ms"
assert_eq "SLURM_NODES" "n1 n2 n3" "$SLURM_NODES"
assert_eq "SLURM_CONF is exported" "$SLURM_DIR/slurm.conf" "$(bash -c 'echo $SLURM_CONF')"
assert_eq "SLURM_DIR's mode" 711 "$(stat -c %a "$SLURM_DIR")"
run sinfo -h -N -o '%N %t %c'
assert_eq "sinfo: three idle nodes of 2 CPUs" $'n1 idle 2\nn2 idle 2\nn3 idle 2' "$OUT"
run scontrol show config
assert_contains "this build runs several slurmd on one host" "MULTIPLE_SLURMD         = Yes" "$OUT"
ctld_pid=$(cat "$SLURM_DIR/slurmctld.launch.pid")
munged_pid=$(cat "$SLURM_DIR/munge/munged.launch.pid")
slurmd_pids=()
for i in 1 2 3; do
    slurmd_pids+=("$(slurm__slurmd_pid "$i")")
done
assert_true "slurmctld, munged and the slurmd run" all_alive "$ctld_pid" "$munged_pid" "${slurmd_pids[@]}"

# --- a job on every node ------------------------------------------------------------------
run salloc -N3 srun -N3 sh -c 'echo $SLURMD_NODENAME $SLURM_PROCID'
assert_status "salloc -N3 srun -N3 runs" 0
assert_eq "one task on each node" $'n1 0\nn2 1\nn3 2' "$(sort <<<"$OUT")"
assert_contains "salloc reports the allocation" "Granted job allocation" "$ERR"

run salloc -N3 sh -c 'env | grep "^SLURM_JOB_\(NODELIST\|CPUS_PER_NODE\|NUM_NODES\)=" | sort'
assert_eq "the allocation's environment" \
    $'SLURM_JOB_CPUS_PER_NODE=1(x3)\nSLURM_JOB_NODELIST=n[1-3]\nSLURM_JOB_NUM_NODES=3' "$OUT"

run salloc -N3 sh -c 'srun --overlap -N1 -n1 -w n2 sh -c "echo \$SLURMD_NODENAME"'
assert_eq "srun --overlap -w n2 inside salloc runs on n2" n2 "$OUT"

run salloc -N3 sh -c 'srun --exact -N1 -n1 -c1 -w n1 sh -c "echo \$SLURMD_NODENAME"'
assert_status "srun --exact -N1 -n1 -c1 -w n1 inside salloc" 0
assert_eq "...runs on n1" n1 "$OUT"

# A step that holds the allocation's CPUs blocks a second step unless it has --overlap
# (salloc -N3 gives one CPU a node): srun waits as a pending step.
run salloc -N3 sh -c 'srun -N3 sleep 5 & sleep 1
    timeout 2 srun -N1 -n1 -w n2 true; echo "plain $?"
    srun --overlap -N1 -n1 -w n2 true; echo "overlap $?"
    kill $!; wait'
assert_eq "a second step waits for CPUs, an --overlap step runs at once" \
    $'plain 124\noverlap 0' "$OUT"
assert_contains "...the plain one as a pending step" "Cancelled pending job step" "$ERR"

run salloc -N3 sh -c 'srun -N1 -n1 -w n3 false'
assert_status "a failing step's status comes back through salloc" 1

# --- timings -------------------------------------------------------------------------------
cat >"$T/steps.sh" <<'EOF'
for _ in $(seq 20); do
    t0=${EPOCHREALTIME/./}
    srun --exact -N1 -n1 true || echo FAILED
    t1=${EPOCHREALTIME/./}
    echo $(((t1 - t0) / 1000))
done
EOF
run salloc -N3 bash "$T/steps.sh"
assert_not_contains "20 srun --exact steps succeed" FAILED "$OUT"
step_ms=$(median <<<"$OUT")
salloc_ms=()
for _ in 1 2 3 4 5; do
    t0=$EPOCHREALTIME
    salloc -N3 true 2>/dev/null
    salloc_ms+=("$(ms_since "$t0")")
done
assert_true "salloc -N3 true succeeds" salloc -N3 true
echo "NOTE: 'srun --exact -N1 -n1 true' in an allocation: median $step_ms ms of 20;" \
    "'salloc -N3 true': $(printf '%s\n' "${salloc_ms[@]}" | median) ms median of 5" \
    "(${salloc_ms[*]}) (load: $(cut -d' ' -f1-3 /proc/loadavg))"

# --- scancel of an allocation leaves no step and no process --------------------------------
salloc -N3 srun -N3 sh -c 'echo $$ >'"$T"'/task.$SLURMD_NODENAME; exec sleep 300' \
    </dev/null >/dev/null 2>"$T/salloc.err" &
salloc_pid=$!
kill_at_exit "$salloc_pid"
assert_true "the three tasks start" wait_until 20 test -s "$T/task.n1" -a -s "$T/task.n2" -a -s "$T/task.n3"
tasks=("$(cat "$T/task.n1")" "$(cat "$T/task.n2")" "$(cat "$T/task.n3")")
assert_true "the tasks run" all_alive "${tasks[@]}"
assert_eq "slurm_processes 'sleep 300' finds the three tasks" \
    "$(printf '%s\n' "${tasks[@]}" | sort -n)" "$(slurm_processes '^sleep 300' | sort -n)"
assert_contains "slurm_processes finds salloc" "$salloc_pid" "$(slurm_processes '^salloc ')"
assert_match "slurm_steps shows the step" '^ *[0-9]+\.0 +sh +test ' "$(slurm_steps)"
stepds=$(slurm__stepds "$SLURM_DIR"/slurmd_n{1,2,3}.log | tr '\n' ' ')
assert_eq "one slurmstepd a node (found by its open log)" 3 "$(wc -w <<<"$stepds")"
job=$(squeue -h -o %i)
t0=$EPOCHREALTIME
run scancel "$job"
assert_status "scancel $job" 0
assert_true "no step is left" wait_until 15 no_steps
# shellcheck disable=SC2086 # a list of numbers
assert_true "the tasks and slurmstepds are gone" wait_until 15 all_gone "${tasks[@]}" $stepds
assert_true "salloc ends" wait_until 15 all_gone "$salloc_pid"
assert_eq "slurm_processes finds nothing left" "" "$(slurm_processes)"
echo "NOTE: scancel to no step and no process: $(ms_since "$t0") ms"
assert_true "the nodes are idle again" wait_until 20 slurm__nodes_idle

# --- slurm_kill_node 2: a crashed node -----------------------------------------------------
rm -f "$T"/task.*
# One task a node, and on n2 a process that left the step's process tree.
salloc -N3 srun -N3 sh -c 'echo $$ >'"$T"'/task.$SLURMD_NODENAME
    [ $SLURMD_NODENAME = n2 ] && (setsid sleep 301 </dev/null >/dev/null 2>&1 & echo $! >'"$T"'/orphan)
    exec sleep 300' </dev/null >"$T/kill.out" 2>"$T/kill.err" &
salloc_pid=$!
kill_at_exit "$salloc_pid"
assert_true "the three tasks start" wait_until 20 test -s "$T/task.n1" -a -s "$T/task.n2" -a -s "$T/task.n3" -a -s "$T/orphan"
tasks=("$(cat "$T/task.n1")" "$(cat "$T/task.n2")" "$(cat "$T/task.n3")")
orphan=$(cat "$T/orphan")
stepd2=$(slurm__stepds "$SLURM_DIR/slurmd_n2.log")
assert_true "n2's slurmstepd, task and orphan run" all_alive "$stepd2" "${tasks[1]}" "$orphan"
t0=$EPOCHREALTIME
assert_true "slurm_kill_node 2" slurm_kill_node 2
echo "NOTE: slurm_kill_node 2 took $(ms_since "$t0") ms"
assert_true "n2's slurmd is gone" all_gone "${slurmd_pids[1]}"
assert_true "n2's slurmstepd is gone" all_gone "$stepd2"
assert_true "n2's task is gone" all_gone "${tasks[1]}"
assert_true "n2's orphan (out of the step's tree) is gone" all_gone "$orphan"
assert_true "the tasks on n1 and n3 still run" all_alive "${tasks[0]}" "${tasks[2]}"
assert_true "slurmd n1 and n3 still run" all_alive "${slurmd_pids[0]}" "${slurmd_pids[2]}"
# What srun makes of it: SlurmdTimeout=10 s, then slurmctld marks n2 down and ends the job.
assert_true "salloc ends once slurmctld notices (SlurmdTimeout=10)" wait_until 60 all_gone "$salloc_pid"
wait "$salloc_pid"
salloc_status=$?
echo "NOTE: after slurm_kill_node 2, salloc ended after $(ms_since "$t0") ms with status" \
    "$salloc_status; srun said: $(grep -v '^salloc: \(Granted\|Relinquishing\)' "$T/kill.err" | head -n 4 | tr '\n' '|')"
assert_ne "...with a failure status" 0 "$salloc_status"
assert_true "the tasks on n1 and n3 end with the job" wait_until 20 all_gone "${tasks[0]}" "${tasks[2]}"
run sinfo -h -n n2 -N -o '%t'
assert_match "sinfo shows n2 down" '^down' "$OUT"

# --- slurm_revive_node 2 -------------------------------------------------------------------
t0=$EPOCHREALTIME
assert_true "slurm_revive_node 2" slurm_revive_node 2
echo "NOTE: slurm_revive_node 2 took $(ms_since "$t0") ms"
run salloc -N3 srun -N3 sh -c 'echo $SLURMD_NODENAME'
assert_eq "a job runs on the three nodes again" $'n1\nn2\nn3' "$(sort <<<"$OUT")"

# slurm_kill_node I down: at once, without waiting for SlurmdTimeout.
salloc -N3 srun -N3 sleep 300 </dev/null >/dev/null 2>&1 &
salloc_pid=$!
kill_at_exit "$salloc_pid"
assert_true "a step runs" wait_until 20 has_steps
sleep 1
t0=$EPOCHREALTIME
assert_true "slurm_kill_node 3 down" slurm_kill_node 3 down
assert_true "salloc ends soon after" wait_until 20 all_gone "$salloc_pid"
echo "NOTE: after slurm_kill_node 3 down, salloc ended in $(ms_since "$t0") ms"
run sinfo -h -n n3 -N -o '%t %E'
assert_eq "n3 is down for the reason given" "down test" "$OUT"
assert_true "slurm_revive_node 3" slurm_revive_node 3
slurm_kill_node 4 2>"$T/kill4.err"
assert_eq "slurm_kill_node 4 is refused (no such node)" 1 "$?"
assert_eq "...saying why" "slurm_lib: slurm_kill_node: no node '4' (slurm_setup made 3 nodes)" "$(cat "$T/kill4.err")"

# A SIGKILL of slurmd alone leaves its slurmstepds and tasks running: they are not its
# children, and slurm_kill_node has to find them.
salloc -N3 srun -N3 sh -c 'echo $$ >'"$T"'/alone.$SLURMD_NODENAME; exec sleep 300' \
    </dev/null >/dev/null 2>&1 &
salloc_pid=$!
kill_at_exit "$salloc_pid"
assert_true "a job runs" wait_until 20 test -s "$T/alone.n1"
stepd1=$(slurm__stepds "$SLURM_DIR/slurmd_n1.log")
kill -KILL "$(slurm__slurmd_pid 1)"
sleep 1
assert_true "after kill -KILL of slurmd n1 alone, its slurmstepd and task still run" \
    all_alive "$stepd1" "$(cat "$T/alone.n1")"
assert_true "slurm_revive_node 1 (a new slurmd beside the old step)" slurm_revive_node 1
run scancel "$(squeue -h -o %i)"
assert_true "scancel ends the old step through the new slurmd" \
    wait_until 15 all_gone "$stepd1" "$(cat "$T/alone.n1")" "$salloc_pid"

# --- slurm_teardown ------------------------------------------------------------------------
dir=$SLURM_DIR
watchdog=$(cat "$dir/watchdog.pid")
salloc -N3 srun -N3 sh -c 'echo $$ >'"$T"'/last.$SLURMD_NODENAME; exec sleep 300' \
    </dev/null >/dev/null 2>&1 &
salloc_pid=$!
kill_at_exit "$salloc_pid"
assert_true "a last job runs" wait_until 20 test -s "$T/last.n1" -a -s "$T/last.n3"
daemons=("$(cat "$dir/slurmctld.launch.pid")" "$(cat "$dir/munge/munged.launch.pid")")
for i in 1 2 3; do
    daemons+=("$(slurm__slurmd_pid "$i")")
done
stepds=$(slurm__stepds "$dir"/slurmd_n{1,2,3}.log | tr '\n' ' ')
assert_true "the watchdog runs" all_alive "$watchdog"
assert_true "slurm_teardown" slurm_teardown
assert_eq "SLURM_DIR is cleared" "" "$SLURM_DIR"
assert_eq "SLURM_CONF is unset" unset "${SLURM_CONF-unset}"
assert_no_file "the directory is removed" "$dir"
# shellcheck disable=SC2086 # a list of numbers
assert_true "the daemons, slurmstepds, tasks, salloc and the watchdog are gone" \
    wait_until 10 all_gone "${daemons[@]}" $stepds "$(cat "$T/last.n1")" "$(cat "$T/last.n3")" \
    "$salloc_pid" "$watchdog"
assert_true "no process names the directory or its slurm.conf" wait_until 10 no_cluster_process "$dir"
assert_true "slurm_teardown again is a no-op" slurm_teardown
assert_true "the logs were kept in \$T/slurm-logs" test -s "$T/slurm-logs/slurmd_n2.log" -a -s "$T/slurm-logs/slurm.conf"

# --- a second setup in the same script, and the EXIT trap chain (with sshd_lib's) -----------
cat >"$T/child.sh" <<EOF
trap 'echo "previous EXIT trap ran, status \$?"' EXIT
source $(printf '%q' "$FANOUT_SRC/tests/e2e/slurm_lib.sh")
sshd_setup 1 || exit 98
SLURM_CPUS=1 slurm_setup 1 || exit 99
echo "\$SLURM_DIR" >"$T/child.dir"
echo "\$SSHD_DIR" >"$T/child.sshd_dir"
srun sh -c 'echo child ok \$SLURMD_NODENAME \$SLURM_CPUS_ON_NODE'
salloc -N1 sleep 300 </dev/null >/dev/null 2>&1 &
sleep 1
exit 3
EOF
run bash "$T/child.sh"
assert_status "EXIT trap chain: the script's status is kept" 3
assert_eq "EXIT trap chain: the job ran, then the previous trap" \
    $'child ok n1 1\nprevious EXIT trap ran, status 3' "$OUT"
child_dir=$(cat "$T/child.dir")
assert_no_file "EXIT trap chain: the directory is removed" "$child_dir"
assert_true "EXIT trap chain: no process is left" wait_until 10 no_cluster_process "$child_dir"
assert_no_file "EXIT trap chain: sshd_lib's directory too (both chained)" "$(cat "$T/child.sshd_dir")"

# --- the watchdog: a script killed by SIGKILL ----------------------------------------------
cat >"$T/killed.sh" <<EOF
source $(printf '%q' "$FANOUT_SRC/tests/e2e/slurm_lib.sh")
slurm_setup 2 || exit 99
echo "\$SLURM_DIR" >"$T/killed.dir"
salloc -N2 srun -N2 sleep 300 </dev/null >/dev/null 2>&1 &
until [ -n "\$(slurm_steps)" ]; do sleep 0.1; done
kill -KILL \$\$
EOF
run bash -c 'bash "$1"; echo "status $?"' _ "$T/killed.sh"
assert_eq "watchdog: the script died of SIGKILL" "status 137" "$OUT"
killed_dir=$(cat "$T/killed.dir")
assert_true "watchdog: the directory is removed" wait_until 15 test ! -e "$killed_dir"
assert_true "watchdog: no process is left" wait_until 10 no_cluster_process "$killed_dir"

# --- a failed setup: the reason, the logs, and nothing left --------------------------------
cat >"$T/bad.sh" <<EOF
source $(printf '%q' "$FANOUT_SRC/tests/e2e/slurm_lib.sh")
SLURM_EXTRA_CONFIG="SelectType=select/nonexistent" slurm_setup 2
echo "status \$? dir '\$SLURM_DIR'"
EOF
start=$EPOCHREALTIME
run bash "$T/bad.sh"
assert_eq "slurm_setup with a bad slurm.conf fails and clears SLURM_DIR" "status 1 dir ''" "$OUT"
assert_le "...at once, not at the deadline (ms)" "$(scaled_ms 10)" "$(ms_since "$start")"
assert_contains "...saying a daemon died" "slurmctld or a slurmd died" "$ERR"
assert_contains "...with the log that says why" "select/nonexistent" "$ERR"
bad_dir=$(grep -o '/[^ ]*/fanout-slurm\.[A-Za-z0-9]*' <<<"$ERR" | head -n 1)
assert_match "...naming its directory" 'fanout-slurm\.' "$bad_dir"
assert_no_file "...and removes its directory" "$bad_dir"
assert_true "...and leaves no process" wait_until 10 no_cluster_process "$bad_dir"

# --- a fresh setup after a teardown, left to the EXIT trap ----------------------------------
assert_true "slurm_setup 2 after slurm_teardown" slurm_setup 2
run srun -N2 sh -c 'echo $SLURMD_NODENAME'
assert_eq "the new cluster runs jobs" $'n1\nn2' "$(sort <<<"$OUT")"

end_of_tests
