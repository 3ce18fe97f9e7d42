# A private Slurm cluster on loopback for the end-to-end tests of --slurm style execution:
# one munged, one slurmctld and N slurmd on 127.0.0.1, all in a temporary directory.
# Sourced by a tests/e2e/*_test.sh after lib.sh (it works without lib.sh too):
#
#   source "$(dirname "$0")/lib.sh"
#   source "$FANOUT_SRC/tests/e2e/slurm_lib.sh"   # lib.sh has cd'ed to $T: use FANOUT_SRC
#   slurm_available || { fail "slurm is needed (slurmctld slurmd slurm-client munge)"; end_of_tests; }
#   slurm_setup 3 || { fail "slurm_setup 3"; end_of_tests; }
#   run salloc -N3 "$FANOUT" ...        # SLURM_CONF is exported: srun, salloc, sinfo use it
#
# Functions
#   slurm_available       0 when slurmctld, slurmd, srun, salloc, scontrol, squeue, sinfo,
#                         scancel, munged and setsid exist and we are root; 1 and the reason
#                         on stderr otherwise.
#   slurm_setup N         starts munged, slurmctld and N slurmd (1 <= N <= 64) and returns once
#                         sinfo shows the N nodes idle; 1 with the reason and the tails of the
#                         logs on stderr otherwise. Exports:
#                           SLURM_DIR     the private temporary directory (mode 0711: munged
#                                         wants its socket's directories searchable by all)
#                           SLURM_CONF    $SLURM_DIR/slurm.conf: every Slurm client reads it,
#                                         so srun/salloc/sinfo/scontrol/squeue need no -f
#                           SLURM_NODES   "n1 n2 ... nN"
#   slurm_kill_node I [down]
#                         node I vanishes like a crashed machine: its slurmd, its slurmstepds
#                         and every process of their steps (the tasks, even those that left
#                         the process tree) are SIGKILLed. With "down", the node is then also
#                         marked DOWN (scontrol update nodename=nI state=down reason=test), so
#                         slurmctld ends the jobs on it at once rather than after SlurmdTimeout.
#   slurm_revive_node I   starts node I's slurmd again (if it does not run) and waits until it
#                         has started and the node is up (idle, mix or alloc: the steps of
#                         a slurmd killed alone still run); ReturnToService=2 returns a DOWN
#                         node when it registers.
#   slurm_steps           prints the running steps (squeue -s -h), for "nothing left" checks.
#   slurm_processes [ERE] prints the pids of the live processes of this cluster's clients and
#                         jobs (their environment holds our SLURM_CONF: srun, salloc, the
#                         tasks and what they start) whose command line matches ERE, for
#                         "nothing left" checks that other clusters on the machine (other
#                         tests running at the same time) do not disturb. Not the daemons.
#   slurm_teardown        scancels every job, kills every process of the cluster (slurmctld,
#                         each slurmd, each slurmstepd and its tasks, every srun/salloc and
#                         process whose environment names our SLURM_CONF, munged), copies the
#                         logs and slurm.conf to $T/slurm-logs when lib.sh's $T exists, and
#                         removes SLURM_DIR. Runs by itself on EXIT: slurm_setup chains it
#                         before the EXIT trap already set (lib.sh's `finish`, which then still
#                         sees the script's exit status). A script that sets its own EXIT trap
#                         must do so before slurm_setup. A watchdog (a detached bash polling
#                         once a second) tears down too when the script dies without running
#                         its EXIT trap (SIGKILL).
#
# Files in $SLURM_DIR: slurm.conf, munge/ (munge.key, munge.socket, munged.pid, munged.out),
# state/ (StateSaveLocation), spool/nI/ (SlurmdSpoolDir, with each step's unix socket),
# slurmctld.log (+ .out: its stderr), slurmd_nI.log (+ .out), *.pid.
#
# How the cluster is made (Slurm 22.05, Debian 12):
# - Several slurmd on one host work: Debian's build defines MULTIPLE_SLURMD (scontrol show
#   config prints MULTIPLE_SLURMD = Yes), so `slurmd -N nI` runs the node nI of
#   "NodeName=nI NodeHostname=localhost NodeAddr=127.0.0.1 Port=P" on its own port, with
#   SlurmdSpoolDir/SlurmdLogFile/SlurmdPidFile made distinct by %n.
# - Each node has CPUs=2 (whatever the machine has: slurmd only warns); CR_CPU allocates
#   single CPUs, so `salloc -N3` gets one CPU a node (SLURM_JOB_CPUS_PER_NODE=1(x3)) and
#   `srun --exact -c1` steps fit beside each other.
# - A task sees SLURMD_NODENAME=nI; `hostname` prints the machine's real name on every node.
# - munged runs as root with --force (its key and socket live under /tmp) and its own socket,
#   which AuthInfo=socket=... gives to every daemon and client of the cluster.
# - No cgroups: ProctrackType=proctrack/linuxproc (steps are found by parent pid, so a task
#   that daemonizes escapes Slurm: teardown finds it by its environment) and TaskPlugin=
#   task/none. slurmd logs harmless "mpi/pmix: can not load PMIx library" errors at start,
#   slurmctld "Could not open ... state file" ones at its first start.
# - slurmstepd is not a child of slurmd (it double forks) and survives a SIGKILL of slurmd:
#   slurm_kill_node finds it by its open SlurmdLogFile (slurmstepd overwrites its environ
#   with its title, so an environment tag cannot find it).
# - slurmd keeps running steps across its own death: a new slurmd (slurm_revive_node) finds
#   them in its spool directory, and scancel still ends them.
# - Clients take the cluster from SLURM_CONF only (srun and salloc have no -f); the daemons
#   get -f. Tasks inherit SLURM_CONF from srun's environment, so an srun inside a task
#   reaches this cluster too.
# - Node loss: after slurm_kill_node I, slurmctld notices at its next ping of the node, 15 to
#   20 s later (SlurmdTimeout=10; 5 is hardly faster), marks it down, and srun/salloc end
#   with "Node failure on nI" (salloc: status 143); with "down" that takes ~0.3 s.
# - Timing quirks to allow for in tests: a job's nodes stay COMPLETING briefly after it
#   ends, so an salloc right after another may print "queued and waiting for resources" and
#   wait up to ~1 s; a step's CPUs are freed asynchronously too, so back-to-back steps in one
#   allocation may print "step creation temporarily disabled, retrying (Requested nodes are
#   busy)" and wait. A step that wants CPUs another step holds waits (a pending step) unless
#   it has --overlap.
# - Killed daemons may stay zombies for a while (pid 1 of some containers reaps late): a
#   zombie counts as gone here.
#
# Options (environment, read by slurm_setup):
#   SLURM_EXTRA_CONFIG    lines appended to slurm.conf (before the nodes); the last value
#                         of a keyword wins, so these override the defaults.
#   SLURM_CPUS            CPUs of each node (default 2).
#   SLURM_READY_TIMEOUT   seconds to wait for the nodes to be idle (default 30, scaled as
#                         every deadline is: lib.sh's `scaled`).
#
# Root only: slurmd must run steps as the submitting user and SlurmUser=root keeps the
# daemons' files simple. Nothing in /etc/slurm or /etc/munge is read or written, and the
# machine's own munged/slurm daemons, if any, are not touched.
# Linux only (/proc). Helpers shared with sshd_lib.sh (process trees, free ports, deadlines)
# come from it.

SLURM__LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
# Sourced unless the script did already (sourcing again would forget its sshd_setup); an
# older sshd_lib.sh without the shared trap and watchdog helpers is replaced by ours.
if ! declare -F sshd__chain_exit_trap >/dev/null || ! declare -F sshd__spawn_watchdog >/dev/null; then
    # shellcheck source=sshd_lib.sh
    source "$(dirname "$SLURM__LIB")/sshd_lib.sh"
fi
SLURM_DIR="" # a setup belongs to the shell that made it, never to an inherited variable
SLURM__N=0
# shellcheck disable=SC2034 # set through its name by sshd__chain_exit_trap
SLURM__TRAP_SET=0

slurm_available() {
    local cmd
    for cmd in slurmctld slurmd srun salloc scontrol squeue sinfo scancel munged setsid; do
        if ! command -v "$cmd" >/dev/null 2>&1; then
            slurm__err "$cmd is missing (Debian: slurmctld slurmd slurm-client munge)"
            return 1
        fi
    done
    if [ "$(id -u)" -ne 0 ]; then
        slurm__err "the private Slurm cluster needs root (slurmd runs steps as their user)"
        return 1
    fi
}

# --- small helpers ----------------------------------------------------------------------

slurm__err() {
    echo "slurm_lib: $*" >&2
}

slurm__check_node() { # FUNCTION I
    case ${2:-} in
    '' | *[!0-9]*) ;;
    *)
        if [ -n "$SLURM_DIR" ] && [ "$2" -ge 1 ] && [ "$2" -le "$SLURM__N" ]; then
            return 0
        fi
        ;;
    esac
    slurm__err "$1: no node '${2:-}' (slurm_setup made ${SLURM__N:-0} nodes)"
    return 1
}

# slurm__pidfile_pid FILE: the pid in FILE when that process is alive.
slurm__pidfile_pid() {
    local pid
    { read -r pid <"$1"; } 2>/dev/null || return 1
    case $pid in '' | *[!0-9]*) return 1 ;; esac
    sshd__alive "$pid" || return 1
    echo "$pid"
}

# slurm__slurmd_pid I: the pid of node I's slurmd (its command line names our config).
slurm__slurmd_pid() {
    local pid
    pid=$(slurm__pidfile_pid "$SLURM_DIR/slurmd_n$1.launch.pid") || return 1
    grep -qaF -- "$SLURM_DIR/slurm.conf" "/proc/$pid/cmdline" 2>/dev/null || return 1
    echo "$pid"
}

# slurm__stepds LOG...: the slurmstepds that hold one of the slurmd logs LOG open.
slurm__stepds() {
    local args=() log pid
    for log in "$@"; do
        args+=(-o -lname "$log")
    done
    for pid in $(find /proc/[0-9]*/fd -mindepth 1 -maxdepth 1 \( -false "${args[@]}" \) \
        -printf '%h\n' 2>/dev/null | cut -d/ -f3 | sort -un); do
        # slurmd holds its log open too.
        [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = slurmstepd ] && echo "$pid"
    done
    return 0
}

# slurm__tagged_env WORD...: pids whose environment holds every one of the NAME=VALUE words.
slurm__tagged_env() {
    local pids word
    pids=$(grep -lsazxF -e "$1" /proc/[0-9]*/environ 2>/dev/null |
        sed -n 's|^/proc/\([0-9][0-9]*\)/environ$|\1|p')
    shift
    for word in "$@"; do
        # shellcheck disable=SC2086 # a list of numbers
        pids=$(for pid in $pids; do
            grep -qsazxF -e "$word" "/proc/$pid/environ" && echo "$pid"
        done)
    done
    [ -n "$pids" ] && echo "$pids"
    return 0
}

# slurm__kill_set "ROOT_PIDS" TAG_WORDS...: SIGKILLs the roots, their descendants and the
# processes tagged by all TAG_WORDS (none: no tag), stopping them round after round first
# so that nothing forks away while the set is gathered.
slurm__kill_set() {
    local roots=$1 pid new _
    shift
    local -A seen=()
    for _ in 1 2 3 4 5 6 7 8; do
        new=()
        for pid in $({
            # shellcheck disable=SC2086 # a list of numbers
            [ -n "$roots" ] && sshd__descendants $roots
            [ $# -gt 0 ] && slurm__tagged_env "$@"
        } | sort -un); do
            if [ "$pid" = "$$" ] || [ "$pid" = "$BASHPID" ] || [ -n "${seen[$pid]:-}" ]; then
                continue
            fi
            seen[$pid]=1
            new+=("$pid")
        done
        [ ${#new[@]} -eq 0 ] && break
        kill -STOP "${new[@]}" 2>/dev/null
        roots="${!seen[*]}"
    done
    [ ${#seen[@]} -eq 0 ] && return 0
    kill -KILL "${!seen[@]}" 2>/dev/null
    sshd__wait_gone 10 "${!seen[@]}"
}

# slurm__tail_logs: the last lines of every log, for a failure message.
slurm__tail_logs() {
    local f
    for f in "$SLURM_DIR"/munge/munged.out "$SLURM_DIR"/slurmctld.log "$SLURM_DIR"/slurmctld.out \
        "$SLURM_DIR"/slurmd_n*.log "$SLURM_DIR"/slurmd_n*.out; do
        [ -s "$f" ] || continue
        echo "  $f (last 15 lines):"
        tail -n 15 "$f" | sed 's/^/    /'
    done
}

# --- configuration ----------------------------------------------------------------------

slurm__write_conf() { # CTLD_PORT NODE_PORT...
    local d=$SLURM_DIR ctld=$1 i=0 port
    shift
    cat <<EOF
# Generated by tests/e2e/slurm_lib.sh: a private cluster on loopback.
ClusterName=fanouttest
SlurmctldHost=localhost
SlurmctldPort=$ctld
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$d/munge/munge.socket
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool/%n
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd_%n.pid
SlurmctldLogFile=$d/slurmctld.log
SlurmdLogFile=$d/slurmd_%n.log
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
# Short timeouts: a killed node is noticed in seconds, a cancelled job ends at once.
SlurmdTimeout=10
MessageTimeout=5
InactiveLimit=0
KillWait=2
MinJobAge=2
MailProg=/bin/true
${SLURM_EXTRA_CONFIG:-}
EOF
    for port in "$@"; do
        i=$((i + 1))
        echo "NodeName=n$i NodeHostname=localhost NodeAddr=127.0.0.1 Port=$port CPUs=${SLURM_CPUS:-2} State=UNKNOWN"
    done
    echo "PartitionName=test Nodes=n[1-$i] Default=YES MaxTime=INFINITE State=UP"
}

# slurm__pick_ports COUNT: COUNT distinct free ports, one a line.
slurm__pick_ports() {
    local SSHD__PORTS_TAKEN="" port _
    for _ in $(seq 1 "$1"); do
        port=$(sshd__pick_port 127.0.0.1) || return 1
        SSHD__PORTS_TAKEN+=" $port"
        echo "$port"
    done
}

# --- starting the daemons ---------------------------------------------------------------

# slurm__launch NAME COMMAND...: starts COMMAND in a new session (no signal for the test's
# process group reaches it), not a child of this shell (a bare `wait` in a test must not
# wait for it), stdout and stderr to $SLURM_DIR/NAME.out, its pid in NAME.launch.pid.
# Without SLURM_CONF (the daemons get -f): that variable marks the clients and the jobs.
slurm__launch() {
    local name=$1
    shift
    # shellcheck disable=SC2016 # expanded by the inner sh
    (setsid env -u SLURM_CONF sh -c 'echo $$ >"$0"; exec "$@"' "$SLURM_DIR/$name.launch.pid" "$@" \
        </dev/null >>"$SLURM_DIR/$name.out" 2>&1 &)
    sshd__until 5 test -s "$SLURM_DIR/$name.launch.pid"
}

slurm__start_munged() {
    local m=$SLURM_DIR/munge
    mkdir -m 0755 "$m" || return 1
    if command -v mungekey >/dev/null 2>&1; then
        mungekey -c -k "$m/munge.key" || return 1
    else
        dd if=/dev/urandom of="$m/munge.key" bs=1024 count=1 status=none || return 1
    fi
    chmod 0400 "$m/munge.key"
    slurm__launch munge/munged munged -F --force --key-file="$m/munge.key" \
        --socket="$m/munge.socket" --pid-file="$m/munged.pid" --log-file="$m/munged.log" \
        --seed-file="$m/munged.seed" || return 1
    if ! sshd__until 10 test -S "$m/munge.socket"; then
        slurm__err "munged did not create its socket $m/munge.socket"
        return 1
    fi
}

slurm__start_slurmd() { # I
    slurm__launch "slurmd_n$1" slurmd -D -N "n$1" -f "$SLURM_CONF"
}

# slurm__nodes_idle: sinfo shows every node idle (or mixed/allocated: up and registered).
slurm__nodes_idle() {
    local up
    up=$(sinfo -h -N -o '%N %t' 2>/dev/null | awk '$2 ~ /^(idle|mix|alloc)$/' | wc -l)
    [ "$up" -eq "$SLURM__N" ]
}

# slurm__daemons_up: slurmctld and every slurmd still run.
slurm__daemons_up() {
    local i
    slurm__pidfile_pid "$SLURM_DIR/slurmctld.launch.pid" >/dev/null || return 1
    for i in $(seq 1 "$SLURM__N"); do
        slurm__slurmd_pid "$i" >/dev/null || return 1
    done
}

# slurm__wait_ready: 0 once the nodes are idle; 1 when a daemon died or at the deadline
# (2 when a port was taken meanwhile: another attempt with other ports may work).
slurm__wait_ready() {
    local limit deadline
    limit=$(sshd__scaled "${SLURM_READY_TIMEOUT:-30}")
    deadline=$((SECONDS + limit))
    # The daemons first: sinfo retries for seconds when slurmctld is gone.
    while slurm__daemons_up && ! slurm__nodes_idle; do
        [ "$SECONDS" -ge "$deadline" ] && break
        sshd__nap 0.05
    done
    slurm__daemons_up && slurm__nodes_idle && return 0
    if cat "$SLURM_DIR"/slurm*.out 2>/dev/null | grep -q 'Address already in use'; then
        return 2
    fi
    {
        if slurm__daemons_up; then
            slurm__err "slurm_setup: the $SLURM__N nodes were not idle within $limit s; sinfo says:"
            timeout 10 sinfo -N 2>&1 | sed 's/^/    /'
        else
            slurm__err "slurm_setup: slurmctld or a slurmd died (see the logs below)"
        fi
        slurm__tail_logs
    } >&2
    return 1
}

# slurm__start_cluster: slurmctld and the slurmd on free ports, until the nodes are idle;
# 1 with the reason on stderr otherwise. Another pair of ports when one was taken.
slurm__start_cluster() {
    local attempt ports port_list=() i rc f
    for attempt in 1 2 3; do
        if ! ports=$(slurm__pick_ports $((SLURM__N + 1))) || ! mapfile -t port_list <<<"$ports" ||
            ! slurm__write_conf "${port_list[@]}" >"$SLURM_CONF"; then
            slurm__err "slurm_setup: found no $((SLURM__N + 1)) free ports"
            return 1
        fi
        slurm__launch slurmctld slurmctld -D -f "$SLURM_CONF"
        for i in $(seq 1 "$SLURM__N"); do
            slurm__start_slurmd "$i"
        done
        slurm__wait_ready
        rc=$?
        [ "$rc" -ne 2 ] && return "$rc"
        # A port was taken between the pick and the bind: all again, with new ports.
        for f in "$SLURM_DIR"/slurm*.launch.pid; do
            slurm__kill_set "$(slurm__pidfile_pid "$f")"
            rm -f "$f"
        done
        for f in "$SLURM_DIR"/slurm*.out; do
            mv "$f" "$f.attempt$attempt"
        done
    done
    slurm__err "slurm_setup: the ports were taken in 3 attempts"
    slurm__tail_logs >&2
    return 1
}

# --- teardown, the EXIT trap and the watchdog -------------------------------------------

slurm__start_watchdog() {
    # Without SLURM_CONF: teardown kills what has our SLURM_CONF in its environment.
    sshd__spawn_watchdog "$SLURM_DIR" env -u SLURM_CONF SLURM__WATCH_DIR="$SLURM_DIR" \
        SLURM__WATCH_N="$SLURM__N" bash "$SLURM__LIB" --slurm-lib-watchdog
}

slurm__watchdog_main() {
    SLURM_DIR=$SLURM__WATCH_DIR
    SLURM__N=$SLURM__WATCH_N
    sshd__watch "$SLURM_DIR" slurm__teardown_dir
}

# slurm__scancel_all: cancels every job while slurmctld still runs (a courtesy: the kills
# below end everything anyway).
slurm__scancel_all() {
    local conf=$SLURM_DIR/slurm.conf jobs
    slurm__pidfile_pid "$SLURM_DIR/slurmctld.launch.pid" >/dev/null || return 0
    jobs=$(SLURM_CONF=$conf timeout 5 squeue -h -o %i 2>/dev/null) || return 0
    [ -n "$jobs" ] || return 0
    # shellcheck disable=SC2086 # a list of job ids
    SLURM_CONF=$conf timeout 5 scancel $jobs 2>/dev/null
    return 0
}

# slurm__teardown_dir: kills the watchdog and every process of the cluster, then removes
# SLURM_DIR.
slurm__teardown_dir() {
    local pid roots="" f logs=() i
    sshd__stop_watchdog "$SLURM_DIR"
    slurm__scancel_all
    for f in "$SLURM_DIR"/*.launch.pid "$SLURM_DIR"/munge/*.launch.pid; do
        pid=$(slurm__pidfile_pid "$f") && roots+=" $pid"
    done
    for i in $(seq 1 "$SLURM__N"); do
        logs+=("$SLURM_DIR/slurmd_n$i.log")
    done
    [ ${#logs[@]} -gt 0 ] && roots+=" $(slurm__stepds "${logs[@]}" | tr '\n' ' ')"
    # The clients (srun, salloc and their shells) and the tasks carry our SLURM_CONF.
    slurm__kill_set "$roots" "SLURM_CONF=$SLURM_DIR/slurm.conf"
    # Last, whatever names the directory on its command line (munged, if it forked away).
    sshd__remove_dir "$SLURM_DIR"
}

# --- the public functions ---------------------------------------------------------------

slurm_setup() {
    local n=${1:-} i
    case $n in '' | *[!0-9]*) n=0 ;; esac
    if [ "$n" -lt 1 ] || [ "$n" -gt 64 ]; then
        slurm__err "slurm_setup: want a number of nodes from 1 to 64, got '${1:-}'"
        return 1
    fi
    if [ -n "$SLURM_DIR" ]; then
        slurm__err "slurm_setup: already set up in $SLURM_DIR (slurm_teardown first)"
        return 1
    fi
    slurm_available || return 1
    SLURM_DIR=$(mktemp -d "${TMPDIR:-/tmp}/fanout-slurm.XXXXXX") || return 1
    # munged refuses a socket whose directories are not searchable by everyone.
    chmod 0711 "$SLURM_DIR"
    export SLURM_DIR
    SLURM__N=$n
    sshd__chain_exit_trap SLURM__TRAP_SET slurm_teardown
    slurm__start_watchdog
    export SLURM_CONF="$SLURM_DIR/slurm.conf"
    mkdir -p "$SLURM_DIR/state"
    for i in $(seq 1 "$n"); do
        mkdir -p "$SLURM_DIR/spool/n$i"
    done
    if ! slurm__start_munged; then
        slurm__err "slurm_setup: munged failed to start"
        slurm__tail_logs >&2
        slurm_teardown
        return 1
    fi
    if ! slurm__start_cluster; then
        slurm_teardown
        return 1
    fi
    SLURM_NODES=$(for i in $(seq 1 "$n"); do printf 'n%d ' "$i"; done)
    SLURM_NODES=${SLURM_NODES% }
    export SLURM_NODES
}

slurm_kill_node() {
    slurm__check_node slurm_kill_node "${1:-}" || return 1
    local i=$1 roots
    roots="$(slurm__slurmd_pid "$i") $(slurm__stepds "$SLURM_DIR/slurmd_n$i.log" | tr '\n' ' ')"
    slurm__kill_set "$roots" "SLURM_CONF=$SLURM_DIR/slurm.conf" "SLURMD_NODENAME=n$i"
    rm -f "$SLURM_DIR/slurmd_n$i.launch.pid"
    if [ "${2:-}" = down ]; then
        scontrol update nodename="n$i" state=down reason=test || return 1
    fi
}

slurm_revive_node() {
    slurm__check_node slurm_revive_node "${1:-}" || return 1
    local i=$1 log="$SLURM_DIR/slurmd_n$1.log" starts
    slurm__slurmd_pid "$i" >/dev/null && return 0
    starts=$(grep -c 'slurmd started on' "$log" 2>/dev/null)
    slurm__start_slurmd "$i" || return 1
    # Up: the new slurmd has started (and then registers) and slurmctld has the node up.
    if ! sshd__until "${SLURM_READY_TIMEOUT:-30}" slurm__node_restarted "$i" "${starts:-0}"; then
        slurm__err "slurm_revive_node $i: n$i is not up: $(sinfo -h -n "n$i" -N -o '%t %E')"
        slurm__tail_logs >&2
        return 1
    fi
}

slurm__node_restarted() { # I STARTS_BEFORE
    [ "$(grep -c 'slurmd started on' "$SLURM_DIR/slurmd_n$1.log" 2>/dev/null)" -gt "$2" ] &&
        [[ $(sinfo -h -n "n$1" -N -o '%t' 2>/dev/null) =~ ^(idle|mix|alloc)$ ]]
}

slurm_processes() {
    [ -n "$SLURM_DIR" ] || return 0
    local pid cmd
    for pid in $(slurm__tagged_env "SLURM_CONF=$SLURM_DIR/slurm.conf"); do
        [ "$pid" = "$$" ] || [ "$pid" = "$BASHPID" ] && continue
        sshd__alive "$pid" || continue
        if [ $# -gt 0 ]; then
            cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || continue
            [[ $cmd =~ $1 ]] || continue
        fi
        echo "$pid"
    done
    return 0
}

slurm_steps() {
    [ -n "$SLURM_DIR" ] || return 0
    squeue -s -h
}

slurm_teardown() {
    [ -n "$SLURM_DIR" ] || return 0
    if [ -n "${T:-}" ] && [ -d "$T" ] && [ -d "$SLURM_DIR" ]; then
        mkdir -p "$T/slurm-logs" &&
            cp "$SLURM_DIR"/*.log "$SLURM_DIR"/*.out "$SLURM_DIR/slurm.conf" \
                "$SLURM_DIR/munge/munged.out" "$T/slurm-logs/" 2>/dev/null
    fi
    slurm__teardown_dir
    SLURM_DIR=""
    SLURM__N=0
    unset SLURM_CONF SLURM_NODES
    return 0
}

if [ "${BASH_SOURCE[0]}" = "$0" ] && [ "${1:-}" = --slurm-lib-watchdog ]; then
    slurm__watchdog_main
    exit 0
fi
