#!/usr/bin/env bash
# Remote execution benchmark: short jobs run by fanout locally and over three loopback
# OpenSSH servers (tests/e2e/sshd_lib.sh), with and without connection multiplexing,
# interleaved round by round; plus the cost of one `ssh host1 true` with and without a
# ControlMaster. Judged by medians of per-round ratios: the machine is shared and noisy.
#
#   bench/remote.sh [--rounds N] [--jobs N]
#     --rounds N rounds (default 3)
#     --jobs N   jobs per run: `seq N | fanout ... echo {}` (default 1000)
#   FANOUT=/path/to/fanout   use that binary instead of building build-bench/ (Release)
#
# The report (markdown) goes to stdout, progress to stderr. Exits non-zero only when it
# could not run: a missing tool, a failed build or sshd setup, or a run whose output was
# wrong. Needs /usr/sbin/sshd, ssh, ssh-keygen and setsid (scripts/dev.sh installs them).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)

rounds=3
n_jobs=1000
while [[ $# -gt 0 ]]; do
    case $1 in
    --rounds)
        rounds=${2:?--rounds needs a number}
        shift
        ;;
    --jobs)
        n_jobs=${2:?--jobs needs a number}
        shift
        ;;
    -h | --help)
        sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *)
        echo "remote.sh: unknown argument '$1' (see --help)" >&2
        exit 2
        ;;
    esac
    shift
done

die() {
    echo "remote.sh: $*" >&2
    exit 1
}
log() { echo "[bench] $*" >&2; }

[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "--rounds: '$rounds' is not a positive number"
[[ $n_jobs =~ ^[1-9][0-9]*$ ]] || die "--jobs: '$n_jobs' is not a positive number"
n_ssh=10 # sequential `ssh host1 true` per round and mode

# ---------------------------------------------------------------- tools and builds
for tool in cc seq sort cmp awk wc; do
    command -v "$tool" >/dev/null || die "missing tool: $tool"
done
# shellcheck source=../tests/e2e/sshd_lib.sh
source "$repo/tests/e2e/sshd_lib.sh"
sshd_available || die "needs /usr/sbin/sshd, ssh, ssh-keygen and setsid (scripts/dev.sh installs them)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fanout-bench.XXXXXX")
# Set before sshd_setup, which chains its teardown in front of it.
trap 'rm -rf "$tmp"' EXIT

log "compiling measure in $tmp"
cc -O2 -Wall -o "$tmp/measure" "$here/measure.c" || die "cannot compile measure.c"

if [[ -n ${FANOUT:-} ]]; then
    [[ -x $FANOUT ]] || die "FANOUT=$FANOUT is not an executable"
    fanout=$FANOUT
else
    command -v cmake >/dev/null || die "missing tool: cmake"
    log "building fanout (Release) in $repo/build-bench"
    {
        cmake -S "$repo" -B "$repo/build-bench" -DCMAKE_BUILD_TYPE=Release &&
            cmake --build "$repo/build-bench" -j2 --target fanout
    } >"$tmp/build.log" 2>&1 || {
        tail -30 "$tmp/build.log" >&2
        die "fanout build failed"
    }
    fanout=$repo/build-bench/fanout
fi
# What was built (read-only git queries).
rev=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n ${FANOUT:-} ]]; then
    rev="$rev (FANOUT given: the binary may not match it)"
elif [[ -n $(git -C "$repo" status --porcelain -- src CMakeLists.txt 2>/dev/null) ]]; then
    rev="$rev + uncommitted changes in src/"
fi
measure=$tmp/measure
q() { printf '%q' "$1"; }
F=$(q "$fanout")

log "starting three loopback sshd (sshd_lib.sh)"
sshd_setup 3 || die "sshd_setup 3 failed (see above)"
# sshd_lib's EXIT trap (its teardown, then ours) must not run under errexit: one kill of
# a process that is already gone would stop the teardown half-way.
exit_trap=$(trap -p EXIT)
eval "exit_trap=(${exit_trap#trap -- })"
# shellcheck disable=SC2064 # the command is expanded now, on purpose
trap "set +e; ${exit_trap[0]}" EXIT
S=$(q "$SSHD_SSH")
hosts=host1,host2,host3

# ---------------------------------------------------------------- helpers (as in run.sh)
# Values per key, one per round, space-separated.
declare -A V

median() {
    printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
# Medians for the report: 3 significant-ish digits, no exponent.
fmt() { awk -v x="$1" 'BEGIN { a = x < 0 ? -x : x; if (x == "nan") print x; else if (a >= 100) printf "%.0f\n", x; else if (a >= 10) printf "%.1f\n", x; else printf "%.3f\n", x }'; }
med() { fmt "$(median ${V[$1]})"; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
add() { V[$1]+="$2 "; }
last() { echo ${V[$1]} | awk '{ print $NF }'; }

# run_measured INPUT_CMD RUNNER_CMD OUT: `INPUT_CMD | measure RUNNER_CMD > OUT`; sets wall
# user sys (user+sys of the runner and every process it reaped: here the ssh clients).
run_measured() {
    local input=$1 cmd=$2 out=$3 mf=$tmp/m.txt
    rm -f "$mf"
    # The pipeline's own status is ignored: the runner's comes from measure's file.
    eval "$input | $(q "$measure") -o $(q "$mf") $cmd > $(q "$out")" || true
    [[ -s $mf ]] || die "measure produced nothing for: $cmd"
    local _rss _hwm code _su _ss
    read -r wall user sys _rss _hwm code _su _ss <"$mf"
    [[ $code == 0 ]] || die "exit status $code from: $input | $cmd"
}

# Orders the names in "$@" starting at the round's offset, so no runner always goes first.
rotate() {
    local r=$1
    shift
    local names=("$@") n=$# i
    for ((i = 0; i < n; i++)); do
        echo "${names[(i + r) % n]}"
    done
}

# All logins the three hosts accepted so far (a ControlMaster counts once).
logins() { echo $(($(sshd_logins 1) + $(sshd_logins 2) + $(sshd_logins 3))); }

# The pids of this setup's ssh clients (their command line names its ssh_config; the
# pattern comes from a file, so grep does not find itself).
ssh_procs() {
    grep -lsaF -f <(printf '%s\n' "$SSHD_DIR/ssh_config") /proc/[0-9]*/cmdline 2>/dev/null |
        sed -n 's|^/proc/\([0-9][0-9]*\)/cmdline$|\1|p'
}

# reap_leftovers: after a run, the ssh clients still running 3 s after fanout exited
# (connections it left open) are counted in `left` and ended, so none piles up.
reap_leftovers() {
    local pids=() _
    for _ in $(seq 30); do
        mapfile -t pids < <(ssh_procs)
        [[ ${#pids[@]} == 0 ]] && break
        sleep 0.1
    done
    left=${#pids[@]}
    if [[ $left != 0 ]]; then
        kill -TERM "${pids[@]}" 2>/dev/null || true
        sshd__wait_gone 10 "${pids[@]}" || true
    fi
}

report=$tmp/report.md
out() { echo "$*" >>"$report"; }

# ---------------------------------------------------------------- jobs: local, remote, no-mux
declare -A R_CMD
R_CMD[local]="$F -j2 echo {}"
R_CMD[remote]="$F --ssh $S -S $hosts echo {}"
# A wrapper that leaves fanout's masters alone (-f) but gives every job session
# ControlPath=none (ssh takes an option's first value), so each job logs in on its own.
nomux_ssh=$tmp/ssh-nomux
{
    echo '#!/bin/sh'
    echo 'case " $* " in *" -f "*) exec '"$(q "$SSHD_SSH")"' "$@";; esac'
    echo 'exec '"$(q "$SSHD_SSH")"' -o ControlPath=none "$@"'
} >"$nomux_ssh"
chmod +x "$nomux_ssh"
R_CMD[nomux]="$F --ssh $(q "$nomux_ssh") -S $hosts echo {}"
job_names=(local remote nomux)
leaks=""
for ((r = 1; r <= rounds; r++)); do
    for name in $(rotate "$r" "${job_names[@]}"); do
        log "jobs: round $r/$rounds: $name ($n_jobs jobs)"
        before=$(logins)
        run_measured "seq $n_jobs" "${R_CMD[$name]}" "$tmp/out.txt"
        lines=$(wc -l <"$tmp/out.txt")
        [[ $lines == "$n_jobs" ]] || die "$name: $lines output lines, expected $n_jobs"
        sort -n "$tmp/out.txt" | cmp -s - <(seq "$n_jobs") || die "$name: output lines differ from seq $n_jobs"
        add "j_rate_$name" "$(calc '%.1f' "$n_jobs / $wall")"
        add "j_wall_$name" "$wall"
        add "j_ms_$name" "$(calc '%.3f' "$wall * 1000 / $n_jobs")"
        add "j_cpu_$name" "$(calc '%.3f' "($user + $sys) * 1000 / $n_jobs")"
        add "j_logins_$name" "$(($(logins) - before))"
        reap_leftovers
        [[ $left == 0 ]] || leaks+="round $r $name: $left; "
    done
    add j_ratio_remote_local "$(calc '%.3f' "$(last j_rate_remote) / $(last j_rate_local)")"
    add j_ratio_nomux_local "$(calc '%.3f' "$(last j_rate_nomux) / $(last j_rate_local)")"
    add j_ratio_mux_nomux "$(calc '%.3f' "$(last j_rate_remote) / $(last j_rate_nomux)")"
    add j_saved_ms "$(calc '%.3f' "$(last j_ms_nomux) - $(last j_ms_remote)")"
done

# ---------------------------------------------------------------- one ssh: with and without a master
cm=(-o ControlMaster=auto -o "ControlPath=$SSHD_DIR/cm-%h" -o ControlPersist=yes)
log "opening a ControlMaster to host1"
"$SSHD_SSH" "${cm[@]}" host1 true </dev/null || die "cannot open a ControlMaster to host1"
"$SSHD_SSH" "${cm[@]}" -O check host1 2>/dev/null || die "the ControlMaster to host1 did not stay"
declare -A C_SSH=([plain]="$S host1 true" [master]="$S $(printf '%q ' "${cm[@]}") host1 true")
ssh_names=(plain master)
for ((r = 1; r <= rounds; r++)); do
    for name in $(rotate "$r" "${ssh_names[@]}"); do
        log "one ssh: round $r/$rounds: $name ($n_ssh times)"
        ms=()
        for ((i = 0; i < n_ssh; i++)); do
            run_measured "true" "${C_SSH[$name]}" /dev/null
            ms+=("$(calc '%.3f' "$wall * 1000")")
        done
        add "c_ms_$name" "$(median "${ms[@]}")"
    done
    add c_saved_ms "$(calc '%.3f' "$(last c_ms_plain) - $(last c_ms_master)")"
done
"$SSHD_SSH" "${cm[@]}" -O exit host1 2>/dev/null || true

# ================================================================ report
out "# fanout remote benchmark results"
out ""
out "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end;"
out "fanout $("$fanout" --version 2>/dev/null | awk '{ print $2 }') ($fanout, commit $rev), $rounds interleaved rounds,"
out "$(ssh -V 2>&1), three loopback sshd from tests/e2e/sshd_lib.sh (host1..host3 on 127.0.0.1..3)."
out "Medians over rounds; ratios are medians of per-round ratios (each round runs every"
out "contender back to back, in a rotating order)."
out ""
out "## $n_jobs short jobs: \`seq $n_jobs | fanout ... echo {}\`"
out ""
out "| runner | jobs/s | wall s | wall ms/job (1 / jobs/s) | client CPU ms/job (tree) | logins per run |"
out "| --- | ---: | ---: | ---: | ---: | ---: |"
declare -A J_LABEL=([local]="local: \`fanout -j2\`" [remote]="remote: \`--ssh \$SSHD_SSH -S $hosts\` (2 slots each)"
    [nomux]="remote, no multiplexing: each job session through a wrapper adding \`-o ControlPath=none\`")
for name in "${job_names[@]}"; do
    out "| ${J_LABEL[$name]} | $(med j_rate_$name) | $(med j_wall_$name) | $(med j_ms_$name) | $(med j_cpu_$name) | $(median ${V[j_logins_$name]}) |"
done
out ""
out "Client CPU is user+sys of fanout and everything it reaped (wait4): locally the jobs, remotely"
out "the ssh clients (the sshd side is not counted). Logins are the sshd logs' accepted logins"
out "during the run, over the three hosts: a multiplexed run logs in once per host."
out "Every run's output was checked: $n_jobs lines, equal to \`seq $n_jobs\` once sorted."
out ""
out "Per-round jobs/s ratios, and what multiplexing saves:"
out ""
out "| round | remote/local | no-mux/local | mux/no-mux | saved by multiplexing, wall ms/job |"
out "| --- | ---: | ---: | ---: | ---: |"
ratio_keys=(j_ratio_remote_local j_ratio_nomux_local j_ratio_mux_nomux j_saved_ms)
for ((r = 1; r <= rounds; r++)); do
    row="| $r |"
    for key in "${ratio_keys[@]}"; do row+=" $(echo ${V[$key]} | awk -v r="$r" '{ print $r }') |"; done
    out "$row"
done
row="| **median** |"
for key in "${ratio_keys[@]}"; do row+=" **$(med "$key")** |"; done
out "$row"
out ""
out "The saving is per job of the whole run (6 slots at once): no-mux ms/job minus mux ms/job."
out ""
out "## One \`\$SSHD_SSH host1 true\`, sequential (median of $n_ssh per round)"
out ""
out "| ssh | ms per command |"
out "| --- | ---: |"
out "| a new connection (full login) | $(med c_ms_plain) |"
out "| through a ControlMaster (\`-o ControlMaster=auto -o ControlPath=... -o ControlPersist=yes\`) | $(med c_ms_master) |"
out "| **saved by the master** (median of per-round differences) | **$(med c_saved_ms)** |"
out ""
out "Per round: without $(echo ${V[c_ms_plain]}) ms; with $(echo ${V[c_ms_master]}) ms."
if [[ -n $leaks ]]; then
    out ""
    out "**ssh clients fanout left running** (alive 3 s after it exited; the script ended them):"
    out "${leaks%; }."
fi

cat "$report"
