#!/usr/bin/env bash
# Slurm benchmark: 1000 short jobs over a three-node allocation of a private loopback
# cluster (tests/e2e/slurm_lib.sh), run four ways, interleaved round by round inside one
# allocation:
#   local    fanout -jC echo {}                      (no Slurm: the floor)
#   worker   fanout --slurm echo {}                  (design b: a worker step per node)
#   steps    fanout -jC srun --exact -N1 -n1 -c1 ... (design a: one job step per job)
#   gnu      parallel -jC srun --exact -N1 -n1 -c1 ... (GNU parallel's documented way)
# where C is the allocation's CPU count; and the start-up of a one-job run with and without
# --slurm. Judged by medians: the machine is shared and noisy.
#
#   bench/slurm.sh [--rounds N] [--jobs N]
#     --rounds N rounds (default 3)
#     --jobs N   jobs per run (default 1000)
#   FANOUT=/path/to/fanout   use that binary instead of building build-bench/ (Release)
#
# The report (markdown) goes to stdout, progress to stderr. Needs root and Slurm (scripts/
# dev.sh installs slurmctld, slurmd, slurm-client and munge). Exits non-zero only when it
# could not run or a run's output was wrong.
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
        sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *)
        echo "slurm.sh: unknown argument '$1' (see --help)" >&2
        exit 2
        ;;
    esac
    shift
done
die() {
    echo "slurm.sh: $*" >&2
    exit 1
}
log() { echo "[bench] $*" >&2; }
[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "--rounds: '$rounds' is not a positive number"
[[ $n_jobs =~ ^[1-9][0-9]*$ ]] || die "--jobs: '$n_jobs' is not a positive number"
command -v parallel >/dev/null || die "missing GNU parallel"

if [[ -n ${FANOUT:-} ]]; then
    [[ -x $FANOUT ]] || die "FANOUT=$FANOUT is not an executable"
    fanout=$FANOUT
else
    log "building fanout (Release) in $repo/build-bench"
    {
        cmake -S "$repo" -B "$repo/build-bench" -DCMAKE_BUILD_TYPE=Release &&
            cmake --build "$repo/build-bench" -j2 --target fanout
    } >/dev/null 2>&1 || die "fanout build failed"
    fanout=$repo/build-bench/fanout
fi
rev=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fanout-bench-slurm.XXXXXX")
trap 'rm -rf "$tmp"' EXIT # set before slurm_setup, which chains its teardown in front
# shellcheck source=../tests/e2e/slurm_lib.sh
source "$repo/tests/e2e/slurm_lib.sh"
slurm_available || die "needs root, Slurm and munge (scripts/dev.sh installs them)"
log "starting a three-node loopback cluster (slurm_lib.sh)"
slurm_setup 3 || die "slurm_setup 3 failed (see above)"
exit_trap=$(trap -p EXIT)
eval "exit_trap=(${exit_trap#trap -- })"
# shellcheck disable=SC2064 # expanded now, on purpose
trap "set +e; ${exit_trap[0]}" EXIT

# The driver runs inside the allocation: every timing there, so that no salloc is timed.
cat >"$tmp/driver.sh" <<'DRIVER'
set -euo pipefail
fanout=$1 rounds=$2 n=$3 out=$4
cpus=$(( $(echo "$SLURM_JOB_CPUS_PER_NODE" | sed 's/(x\([0-9]*\))/*\1/g; s/,/+/g') ))
srun_job="srun --exact -N1 -n1 -c1 --quiet"
declare -A CMD=(
    [local]="$fanout -j$cpus echo {}"
    [worker]="$fanout --slurm echo {}"
    [steps]="$fanout -j$cpus $srun_job echo {}"
    [gnu]="parallel --will-cite -j$cpus $srun_job echo {}"
)
names=(local worker steps gnu)
now() { echo "${EPOCHREALTIME/[.,]/}"; }
for ((r = 0; r < rounds; r++)); do
    for ((i = 0; i < ${#names[@]}; i++)); do
        name=${names[(i + r) % ${#names[@]}]}
        echo "[bench] round $((r + 1))/$rounds: $name ($n jobs)" >&2
        start=$(now)
        seq "$n" | $name_cmd_placeholder ${CMD[$name]} >"$out.$name" 2>"$out.$name.err" || {
            echo "FAILED $name" >>"$out"
            continue
        }
        end=$(now)
        sort -n "$out.$name" | cmp -s - <(seq "$n") || echo "WRONG $name" >>"$out"
        echo "jobs $name $(( (end - start) / 1000 ))" >>"$out"
    done
    for name in plain slurm; do
        for _ in 1 2 3 4 5; do
            start=$(now)
            if [[ $name == plain ]]; then "$fanout" true ::: 1; else "$fanout" --slurm true ::: 1; fi
            end=$(now)
            echo "start $name $(( (end - start) / 1000 ))" >>"$out"
        done
    done
done
DRIVER
sed -i 's/\$name_cmd_placeholder //' "$tmp/driver.sh"
log "running $rounds rounds inside salloc -N3 --ntasks-per-node=2"
salloc --quiet --nodes=3 --ntasks-per-node=2 --time=60 bash "$tmp/driver.sh" "$fanout" "$rounds" "$n_jobs" "$tmp/results" ||
    die "the driver failed"
! grep -q '^FAILED\|^WRONG' "$tmp/results" || die "$(grep '^FAILED\|^WRONG' "$tmp/results" | xargs)"

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ms() { awk -v k="$1" -v n="$2" '$1 == k && $2 == n { print $3 }' "$tmp/results" | median; }
echo "## Slurm: $n_jobs short jobs (echo) over 3 nodes x 2 CPUs (loopback cluster, rev $rev)"
echo
echo "Medians of $rounds rounds, interleaved, all inside one allocation."
echo
echo "| how | wall (ms) | jobs/s | vs local |"
echo "|---|---:|---:|---:|"
local_ms=$(ms jobs local)
for name in local worker steps gnu; do
    wall=$(ms jobs $name)
    case $name in
    local) what="fanout, no Slurm" ;;
    worker) what="fanout --slurm (a worker step per node)" ;;
    steps) what="fanout + srun --exact per job (a step per job)" ;;
    gnu) what="GNU parallel + srun --exact per job" ;;
    esac
    echo "| $what | $wall | $(awk -v n="$n_jobs" -v w="$wall" 'BEGIN { printf "%.0f", n * 1000 / w }') | $(awk -v a="$wall" -v b="$local_ms" 'BEGIN { printf "%.2fx", a / b }') |"
done
echo
echo "Start-up of a one-job run (median of $((rounds * 5))): fanout $(ms start plain) ms, fanout --slurm $(ms start slurm) ms (three worker steps started and ended)."
