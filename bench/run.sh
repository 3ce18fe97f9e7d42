#!/usr/bin/env bash
# fanout's benchmark suite: fanout against a bare posix_spawn loop (ref_runner), xargs and
# GNU parallel. Every comparison is interleaved round by round in one run, and judged by
# medians of per-round ratios: the machine is shared and noisy, absolute numbers drift.
#
#   bench/run.sh [--quick] [--write] [--rounds N] [--only long-record|colsep|perl|plus]
#     --quick    2 rounds and smaller sizes (a minute or two)
#     --write    also write the report to bench/results.md
#     --rounds N rounds for the interleaved rows (default 5)
#     --only long-record   only the long-record row (a minute; its report to stdout)
#     --only colsep        only the --colsep row (a few minutes; its report to stdout)
#     --only plus          only the --plus row (a few minutes; its report to stdout)
#     --only transform     {}, {+..} and {= s/a/b/ =} interleaved, fanout and GNU parallel
#   FANOUT=/path/to/fanout   use that binary instead of building build-bench/ (Release)
#   FANOUT_OLD=/path/to/fanout   the colsep row also runs that binary (e.g. the std::regex one)
#
# The report (markdown) goes to stdout, progress to stderr. Exits non-zero only when it
# could not run: a missing tool, a failed build, or a runner that produced wrong output.
# Missed speed targets are reported, never fatal.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)

quick=0
write=0
rounds=""
only=""
while [[ $# -gt 0 ]]; do
    case $1 in
    --quick) quick=1 ;;
    --write) write=1 ;;
    --rounds)
        rounds=${2:?--rounds needs a number}
        shift
        ;;
    --only)
        only=${2:?--only needs a row name}
        if [[ $only != long-record && $only != colsep && $only != plus && $only != transform ]]; then
            echo "run.sh: --only: unknown row '$only' (known: long-record, colsep, plus, transform)" >&2
            exit 2
        fi
        shift
        ;;
    -h | --help)
        sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *)
        echo "run.sh: unknown argument '$1' (see --help)" >&2
        exit 2
        ;;
    esac
    shift
done

die() {
    echo "run.sh: $*" >&2
    exit 1
}
log() { echo "[bench] $*" >&2; }

# ---------------------------------------------------------------- sizes
if [[ $quick == 1 ]]; then
    rounds=${rounds:-2}
    n_trivial=1000 n_parallel=300 n_startup=6 n_cpu=8 n_out=50 n_input=200000
    n_shell=500 n_spawn=300 n_pipe=30 n_pipe_parallel=10 keep_sizes=(2000 5000 10000) n_long=30
else
    rounds=${rounds:-5}
    n_trivial=5000 n_parallel=1000 n_startup=20 n_cpu=16 n_out=200 n_input=1000000
    n_shell=2000 n_spawn=500 n_pipe=200 n_pipe_parallel=50 keep_sizes=(10000 50000 100000) n_long=100
fi
[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "--rounds: '$rounds' is not a positive number"
cpu_seconds=0.25
mib=1048576

# ---------------------------------------------------------------- tools and builds
for tool in cc g++ xargs parallel seq yes head wc cmp sort awk; do
    command -v "$tool" >/dev/null || die "missing tool: $tool"
done
[[ -e /usr/include/boost/process.hpp ]] || die "missing Boost.Process headers (apt-get install libboost1.81-dev)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fanout-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

log "compiling ref_runner, measure, busy, spawn_compare in $tmp"
cc -O2 -Wall -o "$tmp/ref_runner" "$here/ref_runner.c" || die "cannot compile ref_runner.c"
cc -O2 -Wall -o "$tmp/measure" "$here/measure.c" || die "cannot compile measure.c"
cc -O2 -Wall -o "$tmp/busy" "$here/busy.c" || die "cannot compile busy.c"
g++ -O2 -std=c++20 -o "$tmp/spawn_compare" "$here/spawn_compare.cpp" -lpthread ||
    die "cannot compile spawn_compare.cpp"

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
ref=$tmp/ref_runner
measure=$tmp/measure
busy=$tmp/busy
q() { printf '%q' "$1"; }
F=$(q "$fanout")
R=$(q "$ref")

# ---------------------------------------------------------------- helpers
# Values per key, one per round, space-separated.
declare -A V

median() {
    printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
max() { printf '%s\n' "$@" | sort -g | tail -1; }
# Medians for the report: 3 significant-ish digits, no exponent.
fmt() { awk -v x="$1" 'BEGIN { a = x < 0 ? -x : x; if (x == "nan") print x; else if (a >= 100) printf "%.0f\n", x; else if (a >= 10) printf "%.1f\n", x; else printf "%.3f\n", x }'; }
med() { fmt "$(median ${V[$1]})"; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
add() { V[$1]+="$2 "; }

# run_measured INPUT_CMD RUNNER_CMD OUT [-p|-s]: `INPUT_CMD | measure RUNNER_CMD > OUT`;
# sets wall user sys tree_rss self_hwm self_cpu. -p: the runner's own peak RSS (ptrace);
# -s: the runner's own CPU time (read from /proc while it is a zombie). -p is never used
# for timed runs.
run_measured() {
    local input=$1 cmd=$2 out=$3 flag=${4:-}
    local mf=$tmp/m.txt
    rm -f "$mf"
    # The pipeline's own status is ignored: the runner's comes from measure's file.
    eval "$input | $(q "$measure") $flag -o $(q "$mf") $cmd > $(q "$out")" || true
    [[ -s $mf ]] || die "measure produced nothing for: $cmd"
    read -r wall user sys tree_rss self_hwm code self_user self_sys <"$mf"
    self_cpu=$(calc '%.6f' "$self_user + $self_sys")
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

report=$tmp/report.md
out() { echo "$*" >>"$report"; }

# ---------------------------------------------------------------- long record
# One record far longer than the block: /dev/zero has no newline. It grows read by read
# until the input ends; a reader that rescans it after every read does quadratic work.
# Two rounds at most: the row is about the shape of the cost, not a close ratio.
declare -A L_CMD=([fanout]="$F --pipe --block 10M wc -c" [parallel]="parallel --will-cite --pipe --block 10M wc -c")
long_names=(fanout parallel)
long_rounds=$((rounds < 2 ? rounds : 2))
long_record_row() {
    local r name got
    for ((r = 1; r <= long_rounds; r++)); do
        for name in $(rotate "$r" "${long_names[@]}"); do
            log "long record: round $r/$long_rounds: $name ($n_long MiB)"
            run_measured "head -c $((n_long * mib)) /dev/zero" "${L_CMD[$name]}" "$tmp/long_out.txt" -s
            got=$(awk '{ s += $1 } END { print s + 0 }' "$tmp/long_out.txt")
            [[ $got == $((n_long * mib)) ]] || die "long record $name: wc -c counted $got bytes, expected $((n_long * mib))"
            add "l_wall_$name" "$wall"
            add "l_cpu_$name" "$(calc '%.3f' "$user + $sys")"
            add "l_self_$name" "$self_cpu"
        done
        add "l_ratio" "$(calc '%.3f' "$(echo ${V[l_wall_parallel]} | awk '{ print $NF }') / $(echo ${V[l_wall_fanout]} | awk '{ print $NF }')")"
    done
}
long_record_report() {
    local name
    out "## Long record: \`head -c ${n_long}M /dev/zero | X --pipe --block 10M wc -c\`"
    out ""
    out "One record of $n_long MiB (no newline), $((n_long / 10)) times the block: it is one block, read to the end"
    out "of the input. $long_rounds round(s). Every run was checked: wc -c counted every byte."
    out ""
    out "| command | wall s | MiB/s | CPU s (whole tree) | runner's own CPU s |"
    out "| --- | ---: | ---: | ---: | ---: |"
    for name in "${long_names[@]}"; do
        out "| $name --pipe --block 10M wc -c | $(med l_wall_$name) | $(fmt "$(calc '%.3f' "$n_long / $(median ${V[l_wall_$name]})")") | $(med l_cpu_$name) | $(med l_self_$name) |"
    done
    out ""
    out "fanout is $(med l_ratio)x as fast as GNU parallel here (median of per-round wall-time ratios)."
    out ""
}
if [[ $only == long-record ]]; then
    long_record_row
    out "fanout $fanout (commit $rev), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end."
    out ""
    long_record_report
    cat "$report"
    exit 0
fi

# ---------------------------------------------------------------- --colsep
# Splitting itself: --dry-run prints each job's command instead of running it, so no
# process per line hides the regex's cost. Lines of 1 KiB, 64 comma-separated fields.
# GNU parallel prints about 20 such commands a second here (its per-job work, not its
# split): it reads only the first colsep_gnu_lines lines, and its MiB/s is of those.
declare -A C_CMD=([fanout]="$F" [parallel]="parallel --will-cite")
colsep_names=(fanout parallel)
if [[ -n ${FANOUT_OLD:-} ]]; then
    [[ -x $FANOUT_OLD ]] || die "FANOUT_OLD=$FANOUT_OLD is not an executable"
    C_CMD[old]=$(q "$FANOUT_OLD")
    colsep_names=(fanout old parallel)
fi
colsep_pattern='\s*,\s*'
colsep_rounds=$((rounds < 2 ? rounds : 2))
colsep_gnu_lines=$((quick == 1 ? 100 : 500))
colsep_row() {
    local r name input lines
    local mib_in=$((quick == 1 ? 10 : 100))
    awk -v n=$((mib_in * 1024)) 'BEGIN { for (i = 1; i <= n; i++) { line = "r" i; while (length(line) < 1023 - 16) line = line "," sprintf("%07d", (i * 7919 + length(line)) % 9999991); print line } }' >"$tmp/colsep.txt"
    head -n "$colsep_gnu_lines" "$tmp/colsep.txt" >"$tmp/colsep_gnu.txt"
    for ((r = 1; r <= colsep_rounds; r++)); do
        for name in $(rotate "$r" "${colsep_names[@]}"); do
            input=$tmp/colsep.txt
            [[ $name == parallel ]] && input=$tmp/colsep_gnu.txt
            lines=$(wc -l <"$input")
            add "c_bytes_$name" "$(stat -c %s "$input")"
            log "colsep: round $r/$colsep_rounds: $name ($lines lines)"
            run_measured "cat $(q "$input")" "${C_CMD[$name]} --colsep $(q "$colsep_pattern") --dry-run -k echo {2} {64}" "$tmp/colsep_out.txt"
            [[ $(wc -l <"$tmp/colsep_out.txt") == "$lines" ]] || die "colsep $name: not one command per line"
            [[ $(head -n 1 "$tmp/colsep_out.txt") == "echo "* ]] || die "colsep $name: unexpected output"
            add "c_wall_$name" "$wall"
        done
    done
}
colsep_report() {
    local name label bytes
    out "## --colsep: \`X --colsep '$colsep_pattern' --dry-run -k echo {2} {64}\`, lines of 1 KiB"
    out ""
    out "The split alone: --dry-run prints the commands and runs none. $colsep_rounds round(s), the runners"
    out "interleaved; every run printed one command per line. GNU parallel, at about 20 commands a"
    out "second (its work per job, not its split), read only the first $colsep_gnu_lines lines."
    out ""
    out "| runner | input MiB | wall s | MiB/s |"
    out "| --- | ---: | ---: | ---: |"
    for name in "${colsep_names[@]}"; do
        label=$name
        [[ $name == fanout ]] && label="fanout (PCRE2)"
        [[ $name == old ]] && label="fanout, std::regex (FANOUT_OLD)"
        [[ $name == parallel ]] && label="GNU parallel"
        bytes=$(echo ${V[c_bytes_$name]} | awk '{ print $1 }')
        out "| $label | $(fmt "$(calc '%.3f' "$bytes / $mib")") | $(med c_wall_$name) | $(fmt "$(calc '%.3f' "$bytes / $mib / $(median ${V[c_wall_$name]})")") |"
    done
    out ""
}
if [[ $only == colsep ]]; then
    colsep_row
    out "fanout $fanout (commit $rev), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end."
    out ""
    colsep_report
    cat "$report"
    exit 0
fi

# ---------------------------------------------------------------- --plus
# A job's cost with {} and with --plus strings: {+..} (two fixed substitutions) and
# {//[0-9]/x} (a user regex, every match). Real jobs at -j2, interleaved, and --dry-run
# (the expansion alone, no process per job). GNU parallel gets fewer jobs: it is slow.
declare -A P_ARG=([brace]='{}' [ext]='{+..}' [regex]='{//[0-9]/x}')
plus_kinds=(brace ext regex)
plus_jobs=$((quick == 1 ? 1000 : 3000))
plus_gnu_jobs=$((quick == 1 ? 200 : 500))
plus_dry=$((quick == 1 ? 50000 : 200000))
plus_row() {
    local r name kind runner n
    awk -v n="$plus_dry" 'BEGIN { for (i = 1; i <= n; i++) printf "dir%d/file%d.tar.gz\n", i % 97, i }' >"$tmp/plus_dry.txt"
    head -n "$plus_jobs" "$tmp/plus_dry.txt" >"$tmp/plus_jobs.txt"
    head -n "$plus_gnu_jobs" "$tmp/plus_dry.txt" >"$tmp/plus_gnu.txt"
    local names=()
    for kind in "${plus_kinds[@]}"; do names+=("fanout:$kind" "parallel:$kind" "dry:$kind"); done
    for ((r = 1; r <= rounds; r++)); do
        for name in $(rotate "$r" "${names[@]}"); do
            runner=${name%%:*} kind=${name#*:}
            log "plus: round $r/$rounds: $name"
            case $runner in
            fanout) n=$plus_jobs && run_measured "cat $(q "$tmp/plus_jobs.txt")" "$F --plus -j2 echo $(q "${P_ARG[$kind]}")" "$tmp/plus_out.txt" -s ;;
            parallel) n=$plus_gnu_jobs && run_measured "cat $(q "$tmp/plus_gnu.txt")" "parallel --will-cite --plus -j2 echo $(q "${P_ARG[$kind]}")" "$tmp/plus_out.txt" -s ;;
            dry) n=$plus_dry && run_measured "cat $(q "$tmp/plus_dry.txt")" "$F --plus --dry-run -k echo $(q "${P_ARG[$kind]}")" "$tmp/plus_out.txt" -s ;;
            esac
            [[ $(wc -l <"$tmp/plus_out.txt") == "$n" ]] || die "plus $name: not one line per job"
            add "p_us_$name" "$(calc '%.3f' "$wall * 1000000 / $n")"
            add "p_self_us_$name" "$(calc '%.3f' "$self_cpu * 1000000 / $n")"
        done
        for runner in fanout parallel dry; do
            for kind in ext regex; do
                add "p_ratio_${runner}_$kind" "$(calc '%.4f' "$(echo ${V[p_us_$runner:$kind]} | awk '{ print $NF }') / $(echo ${V[p_us_$runner:brace]} | awk '{ print $NF }')")"
            done
        done
    done
}
plus_report() {
    local runner kind label
    out "## --plus: a job's cost with \`{}\`, \`{+..}\` and \`{//[0-9]/x}\`"
    out ""
    out "\`X --plus -j2 echo STR\` over lines like dir5/file42.tar.gz: $plus_jobs jobs for fanout, $plus_gnu_jobs for GNU"
    out "parallel, and fanout --dry-run -k (the expansion alone) over $plus_dry lines. $rounds round(s), every"
    out "command interleaved; every run printed one line per job. Microseconds per job (medians); the"
    out "ratio is the median of the per-round ratios to the same runner's \`{}\` (the target: within 1.05)."
    out ""
    out "| runner | {} us/job | {+..} us/job | ratio | {//[0-9]/x} us/job | ratio | own CPU us/job ({} / {+..} / regex) |"
    out "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    for runner in fanout parallel dry; do
        label=$runner
        [[ $runner == fanout ]] && label="fanout -j2"
        [[ $runner == parallel ]] && label="GNU parallel -j2"
        [[ $runner == dry ]] && label="fanout --dry-run"
        out "| $label | $(med p_us_$runner:brace) | $(med p_us_$runner:ext) | $(med p_ratio_${runner}_ext) | $(med p_us_$runner:regex) | $(med p_ratio_${runner}_regex) | $(med p_self_us_$runner:brace) / $(med p_self_us_$runner:ext) / $(med p_self_us_$runner:regex) |"
    done
    out ""
}
if [[ $only == plus ]]; then
    plus_row
    out "fanout $fanout (commit $rev), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end."
    out ""
    plus_report
    cat "$report"
    exit 0
fi

# ---------------------------------------------------------------- transforms side by side
# One job's cost with {}, a --plus string ({+..}) and a perl expression ({= s/a/b/ =}),
# for fanout and GNU parallel, all six interleaved in each round: the three figures
# the transform issue asks for, from one run.
declare -A X_ARG=([brace]='{}' [plus]='{+..}' [perl]='{= s/a/b/ =}')
transform_kinds=(brace plus perl)
transform_jobs=$((quick == 1 ? 1000 : 3000))
transform_gnu_jobs=$((quick == 1 ? 200 : 500))
transform_row() {
    local r name kind runner n
    awk -v n="$transform_jobs" 'BEGIN { for (i = 1; i <= n; i++) printf "dir%d/file%d.tar.gz\n", i % 97, i }' >"$tmp/x_jobs.txt"
    head -n "$transform_gnu_jobs" "$tmp/x_jobs.txt" >"$tmp/x_gnu.txt"
    local names=()
    for kind in "${transform_kinds[@]}"; do names+=("fanout:$kind" "parallel:$kind"); done
    for ((r = 1; r <= rounds; r++)); do
        for name in $(rotate "$r" "${names[@]}"); do
            runner=${name%%:*} kind=${name#*:}
            log "transform: round $r/$rounds: $name"
            case $runner in
            fanout) n=$transform_jobs && run_measured "cat $(q "$tmp/x_jobs.txt")" "$F --plus -j2 echo $(q "${X_ARG[$kind]}")" "$tmp/x_out.txt" -s ;;
            parallel) n=$transform_gnu_jobs && run_measured "cat $(q "$tmp/x_gnu.txt")" "parallel --will-cite --plus -j2 echo $(q "${X_ARG[$kind]}")" "$tmp/x_out.txt" -s ;;
            esac
            [[ $(wc -l <"$tmp/x_out.txt") == "$n" ]] || die "transform $name: not one line per job"
            if [[ $kind == perl ]]; then
                [[ $(grep -c '\.tbr\.gz$' "$tmp/x_out.txt") == "$n" ]] || die "transform $name: wrong values"
            fi
            add "x_us_$name" "$(calc '%.3f' "$wall * 1000000 / $n")"
            add "x_self_$name" "$(calc '%.3f' "$self_cpu * 1000000 / $n")"
        done
        for runner in fanout parallel; do
            for kind in plus perl; do
                add "x_ratio_${runner}_$kind" "$(calc '%.4f' "$(echo ${V[x_us_$runner:$kind]} | awk '{ print $NF }') / $(echo ${V[x_us_$runner:brace]} | awk '{ print $NF }')")"
            done
        done
    done
}
transform_report() {
    local runner label
    out "## Transforms: a job's cost with \`{}\`, \`{+..}\` and \`{= s/a/b/ =}\`"
    out ""
    out "\`X --plus -j2 echo STR\` over lines like dir5/file42.tar.gz: $transform_jobs jobs for fanout,"
    out "$transform_gnu_jobs for GNU parallel; $rounds round(s), all six commands interleaved. Microseconds per job"
    out "(medians); each ratio is the median of the per-round ratios to the same runner's \`{}\`."
    out ""
    out "| runner | {} us/job | {+..} us/job | ratio | {= s/a/b/ =} us/job | ratio | own CPU us/job ({} / {+..} / perl) |"
    out "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    for runner in fanout parallel; do
        label="fanout -j2"
        [[ $runner == parallel ]] && label="GNU parallel -j2"
        out "| $label | $(med x_us_$runner:brace) | $(med x_us_$runner:plus) | $(med x_ratio_${runner}_plus) | $(med x_us_$runner:perl) | $(med x_ratio_${runner}_perl) | $(med x_self_$runner:brace) / $(med x_self_$runner:plus) / $(med x_self_$runner:perl) |"
    done
    out ""
}
if [[ $only == transform ]]; then
    transform_row
    out "fanout $fanout (commit $rev), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end."
    out ""
    transform_report
    cat "$report"
    exit 0
fi

seq "$n_trivial" >"$tmp/seq_trivial"
seq "$n_parallel" >"$tmp/seq_parallel"

# ---------------------------------------------------------------- 1. trivial jobs
declare -A T_CMD T_N T_ORDERED
T_CMD[ref]="$R -j2 echo"
T_CMD[ref-c]="$R -c -j2 echo"
T_CMD[ref-cv]="$R -c -v -j2 echo"
T_CMD[group]="$F -j2 --group echo"
T_CMD[keep]="$F -j2 -k echo"
T_CMD[lb]="$F -j2 --line-buffer echo"
T_CMD[ungroup]="$F -j2 -u echo"
T_CMD[xargs]="xargs -P2 -n1 echo"
T_CMD[parallel]="parallel --will-cite -j2 echo"
for k in "${!T_CMD[@]}"; do T_N[$k]=$n_trivial; done
T_N[parallel]=$n_parallel
T_ORDERED[keep]=1
# The report lists them in this order; trivial_order() runs them.
trivial_names=(ref ref-c ref-cv group keep lb ungroup xargs parallel)
other_names=(ref ref-c ref-cv lb ungroup xargs)

# trivial_order ROUND: the round's order. fanout --group, GNU parallel and fanout -k run
# back to back (the block's order alternates, its place rotates): the machine's speed
# drifts within seconds, and the 8x target compares fanout with parallel.
trivial_order() {
    local r=$1 i=0 name
    local block=(group parallel keep)
    ((r % 2)) || block=(keep parallel group)
    for name in $(rotate "$r" "${other_names[@]}"); do
        ((i++ == r % (${#other_names[@]} + 1))) && printf '%s\n' "${block[@]}"
        echo "$name"
    done
    ((i == r % (${#other_names[@]} + 1))) && printf '%s\n' "${block[@]}"
    return 0
}

for ((r = 1; r <= rounds; r++)); do
    for name in $(trivial_order "$r"); do
        n=${T_N[$name]}
        log "trivial jobs: round $r/$rounds: $name ($n jobs)"
        run_measured "seq $n" "${T_CMD[$name]}" "$tmp/out.txt" -s
        [[ $self_user != -1* ]] || die "$name: no self CPU time reported (measure -s)"
        lines=$(wc -l <"$tmp/out.txt")
        [[ $lines == "$n" ]] || die "$name: $lines output lines, expected $n"
        if [[ -n ${T_ORDERED[$name]:-} ]]; then
            cmp -s "$tmp/out.txt" <(seq "$n") || die "$name: output is not in input order"
        else
            sort -n "$tmp/out.txt" | cmp -s - <(seq "$n") || die "$name: output lines differ from seq $n"
        fi
        add "t_rate_$name" "$(calc '%.1f' "$n / $wall")"
        add "t_cpu_$name" "$(calc '%.3f' "($user + $sys) * 1000 / $n")"
        add "t_self_$name" "$(calc '%.1f' "$self_cpu * 1000000 / $n")"
    done
    for name in group keep; do
        rate=$(echo ${V[t_rate_$name]} | awk '{ print $NF }')
        for base in ref-c ref-cv xargs parallel; do
            b=$(echo ${V[t_rate_$base]} | awk '{ print $NF }')
            add "t_ratio_${name}_$base" "$(calc '%.3f' "$rate / $b")"
        done
        # CPU per job, fanout over ref_runner -c: > 1 means fanout burns more.
        c=$(echo ${V[t_cpu_$name]} | awk '{ print $NF }')
        b=$(echo ${V[t_cpu_ref-c]} | awk '{ print $NF }')
        add "t_cpuratio_$name" "$(calc '%.3f' "$c / $b")"
        c=$(echo ${V[t_self_$name]} | awk '{ print $NF }')
        b=$(echo ${V[t_self_ref-c]} | awk '{ print $NF }')
        add "t_selfratio_$name" "$(calc '%.3f' "$c / $b")"
    done
done

# ---------------------------------------------------------------- 2. start-up
echo 1 >"$tmp/one"
declare -A S_CMD
S_CMD[fanout]="$F echo"
S_CMD[ref]="$R echo"
S_CMD[ref-c]="$R -c echo"
S_CMD[xargs]="xargs -n1 echo"
S_CMD[parallel]="parallel --will-cite echo"
startup_names=(fanout ref ref-c xargs parallel)
for ((i = 1; i <= n_startup; i++)); do
    log "start-up: run $i/$n_startup"
    for name in $(rotate "$i" "${startup_names[@]}"); do
        run_measured "cat $(q "$tmp/one")" "${S_CMD[$name]}" "$tmp/out.txt"
        [[ $(cat "$tmp/out.txt") == 1 ]] || die "start-up $name: wrong output"
        add "s_ms_$name" "$(calc '%.3f' "$wall * 1000")"
    done
    f=$(echo ${V[s_ms_fanout]} | awk '{ print $NF }')
    for base in ref ref-c parallel; do
        add "s_ratio_$base" "$(calc '%.3f' "$f / $(echo ${V[s_ms_$base]} | awk '{ print $NF }')")"
    done
done

# ---------------------------------------------------------------- 3. CPU-bound scaling
# Each job runs until its own CPU clock reads 0.25 s (busy -t). A fixed amount of work
# (busy ITERATIONS, calibrated here) is measured too, for reference: this guest has no
# steal accounting, so whenever another tenant takes the host's CPUs, fixed work lasts
# longer, and the -j1 and -j2 runs of one round can see machines of different speed.
log "calibrating the fixed-work busy loop to ${cpu_seconds}s of CPU"
probe=200000000
for i in 1 2 3; do
    "$measure" -o "$tmp/cal.txt" "$busy" "$probe"
done
best=$(awk '{ print $2 + $3 }' "$tmp/cal.txt" | sort -g | head -1)
iters=$(calc '%.0f' "$probe * $cpu_seconds / $best")
declare -A C_CMD
for j in 1 2; do
    C_CMD[fanout-j$j]="$F -j$j $(q "$busy") -t $cpu_seconds"
    C_CMD[ref-j$j]="$R -j$j $(q "$busy") -t $cpu_seconds"
    C_CMD[fanout-fixed-j$j]="$F -j$j $(q "$busy") $iters"
    C_CMD[ref-fixed-j$j]="$R -j$j $(q "$busy") $iters"
done
cpu_names=(fanout-j1 fanout-j2 ref-j1 ref-j2 fanout-fixed-j1 fanout-fixed-j2 ref-fixed-j1 ref-fixed-j2)
cpu_runners=(fanout ref fanout-fixed ref-fixed)
for ((r = 1; r <= rounds; r++)); do
    # Each -j1 run right before its -j2 run: the pair sees the machine at its closest.
    for who in $(rotate "$r" "${cpu_runners[@]}"); do
        for j in 1 2; do
            log "CPU-bound: round $r/$rounds: $who-j$j"
            run_measured "seq $n_cpu" "${C_CMD[$who-j$j]}" /dev/null
            add "c_wall_$who-j$j" "$wall"
            add "c_cpu_$who-j$j" "$(calc '%.3f' "($user + $sys) / $n_cpu")"
        done
        j1=$(echo ${V[c_wall_$who-j1]} | awk '{ print $NF }')
        j2=$(echo ${V[c_wall_$who-j2]} | awk '{ print $NF }')
        add "c_speedup_$who" "$(calc '%.3f' "$j1 / $j2")"
    done
done

# ---------------------------------------------------------------- 4. output volume
head -c "$mib" /dev/zero >"$tmp/mib"
for ((i = 0; i < n_out; i++)); do echo "$tmp/mib"; done >"$tmp/out_list"
out_input="cat $(q "$tmp/out_list")"
out_bytes=$((n_out * mib))
declare -A O_CMD
O_CMD[group]="$F -j2 --group cat"
O_CMD[keep]="$F -j2 -k cat"
O_CMD[ref-c]="$R -c -j2 cat"
output_names=(group keep ref-c)
for ((r = 1; r <= rounds; r++)); do
    for name in $(rotate "$r" "${output_names[@]}"); do
        log "output: round $r/$rounds: $name"
        run_measured "$out_input" "${O_CMD[$name]} | wc -c" "$tmp/count.txt" -s
        # measure timed the runner; `| wc -c` is in the eval'd command after it.
        bytes=$(cat "$tmp/count.txt")
        [[ $bytes == "$out_bytes" ]] || die "output $name: $bytes bytes arrived, expected $out_bytes"
        add "o_mibs_$name" "$(calc '%.1f' "$n_out / $wall")"
        add "o_self_$name" "$(calc '%.3f' "$self_cpu * 1000 / $n_out")"
        if [[ $r == 1 ]]; then
            # The runner's own peak RSS, in a second run under ptrace (not timed).
            run_measured "$out_input" "${O_CMD[$name]} | wc -c" "$tmp/count.txt" -p
            [[ $(cat "$tmp/count.txt") == "$out_bytes" ]] || die "output $name (traced): bytes missing"
            add "o_rss_$name" "$self_hwm"
            add "o_tree_$name" "$tree_rss"
        fi
    done
    for name in group keep; do
        a=$(echo ${V[o_mibs_$name]} | awk '{ print $NF }')
        b=$(echo ${V[o_mibs_ref-c]} | awk '{ print $NF }')
        add "o_ratio_$name" "$(calc '%.3f' "$a / $b")"
        a=$(echo ${V[o_self_$name]} | awk '{ print $NF }')
        b=$(echo ${V[o_self_ref-c]} | awk '{ print $NF }')
        add "o_selfratio_$name" "$(calc '%.3f' "$a / $b")"
    done
done

# ---------------------------------------------------------------- 5. input volume
declare -A I_CMD
I_CMD[fanout]="$F -j2 -n 1000 true"
I_CMD[xargs]="xargs -P2 -n 1000 true"
input_names=(fanout xargs)
for ((r = 1; r <= rounds; r++)); do
    for name in $(rotate "$r" "${input_names[@]}"); do
        log "input: round $r/$rounds: $name"
        run_measured "seq $n_input" "${I_CMD[$name]}" /dev/null -s
        add "i_wall_$name" "$wall"
        add "i_self_$name" "$self_cpu"
        if [[ $r == 1 ]]; then
            run_measured "seq $n_input" "${I_CMD[$name]}" /dev/null -p
            add "i_rss_$name" "$self_hwm"
        fi
    done
    a=$(echo ${V[i_wall_fanout]} | awk '{ print $NF }')
    b=$(echo ${V[i_wall_xargs]} | awk '{ print $NF }')
    add "i_ratio" "$(calc '%.3f' "$a / $b")"
done

# ---------------------------------------------------------------- 6. keep-order memory
for n in "${keep_sizes[@]}"; do
    log "keep-order memory: $n jobs (one run, under ptrace)"
    run_measured "seq $n" "$F -k -j2 echo" "$tmp/out.txt" -p
    cmp -s "$tmp/out.txt" <(seq "$n") || die "-k over $n jobs: output is not seq $n"
    V[k_rss_$n]=$self_hwm
    V[k_rate_$n]=$(calc '%.1f' "$n / $wall")
done

# ---------------------------------------------------------------- shell vs direct
declare -A D_CMD
D_CMD[direct]="$F -j2 echo {}"
D_CMD[shell]="$F -j2 'echo {} ;'"
D_CMD[shell-ext]="$F -j2 '/bin/echo {} ;'"
shell_names=(direct shell shell-ext)
for ((r = 1; r <= rounds; r++)); do
    for name in $(rotate "$r" "${shell_names[@]}"); do
        log "shell vs direct: round $r/$rounds: $name"
        run_measured "seq $n_shell" "${D_CMD[$name]}" "$tmp/out.txt" -s
        sort -n "$tmp/out.txt" | cmp -s - <(seq "$n_shell") || die "shell vs direct ($name): wrong output"
        add "d_rate_$name" "$(calc '%.1f' "$n_shell / $wall")"
        add "d_cpu_$name" "$(calc '%.3f' "($user + $sys) * 1000 / $n_shell")"
        add "d_self_$name" "$(calc '%.1f' "$self_cpu * 1000000 / $n_shell")"
    done
    a=$(echo ${V[d_rate_direct]} | awk '{ print $NF }')
    c=$(echo ${V[d_cpu_direct]} | awk '{ print $NF }')
    for name in shell shell-ext; do
        b=$(echo ${V[d_rate_$name]} | awk '{ print $NF }')
        add "d_extra_ms_$name" "$(calc '%.3f' "1000 / $b - 1000 / $a")"
        b=$(echo ${V[d_cpu_$name]} | awk '{ print $NF }')
        add "d_extra_cpu_$name" "$(calc '%.3f' "$b - $c")"
    done
done

# ---------------------------------------------------------------- pipe throughput
# The input: n_pipe copies of a 1 MiB chunk of numbered text lines of varied length.
awk -v size="$mib" 'BEGIN {
    pad = sprintf("%400s", ""); gsub(/ /, "x", pad)
    for (i = 1; ; i++) {
        line = i " " substr(pad, 1, (i * 37) % 110)
        if (n + length(line) + 1 > size - 200) break
        print line; n += length(line) + 1
    }
    print substr(pad, 1, size - n - 1)
}' >"$tmp/pipe_chunk"
[[ $(wc -c <"$tmp/pipe_chunk") == "$mib" ]] || die "pipe row: the 1 MiB chunk is not 1 MiB"
declare -A P_CMD P_MIB P_LINES
# GNU parallel gets n_pipe_parallel MiB (it is slow); MiB/s is a rate, so its rows compare.
for n in "$n_pipe" "$n_pipe_parallel"; do
    for ((i = 0; i < n; i++)); do cat "$tmp/pipe_chunk"; done >"$tmp/pipe_in_$n"
    P_LINES[$n]=$(wc -l <"$tmp/pipe_in_$n")
done
P_CMD[fanout-wc]="$F --pipe -j2 -k --block 1M wc -l"
P_CMD[parallel-wc]="parallel --will-cite --pipe -j2 -k --block 1M wc -l"
P_CMD[ref-wc]="wc -l"
P_CMD[fanout-cat]="$F --pipe -j2 -k --block 1M cat | wc -c"
P_CMD[parallel-cat]="parallel --will-cite --pipe -j2 -k --block 1M cat | wc -c"
P_CMD[ref-cat]="cat | wc -c"
pipe_names=(fanout-wc parallel-wc ref-wc fanout-cat parallel-cat ref-cat)
for name in "${pipe_names[@]}"; do P_MIB[$name]=$n_pipe; done
P_MIB[parallel-wc]=$n_pipe_parallel
P_MIB[parallel-cat]=$n_pipe_parallel
# check_pipe NAME FILE: wc -l counts add up to the input's lines; cat delivers every byte.
check_pipe() {
    local got n=${P_MIB[${1%% *}]}
    if [[ $1 == *-wc* ]]; then
        got=$(awk '{ s += $1 } END { print s + 0 }' "$2")
        [[ $got == "${P_LINES[$n]}" ]] || die "pipe $1: the wc -l counts add up to $got, expected ${P_LINES[$n]}"
    else
        got=$(cat "$2")
        [[ $got == $((n * mib)) ]] || die "pipe $1: $got bytes arrived, expected $((n * mib))"
    fi
}
for ((r = 1; r <= rounds; r++)); do
    for name in $(rotate "$r" "${pipe_names[@]}"); do
        n=${P_MIB[$name]}
        log "pipe: round $r/$rounds: $name ($n MiB)"
        run_measured "cat $(q "$tmp/pipe_in_$n")" "${P_CMD[$name]}" "$tmp/pipe_out.txt" -s
        check_pipe "$name" "$tmp/pipe_out.txt"
        add "p_mibs_$name" "$(calc '%.1f' "$n / $wall")"
        add "p_self_$name" "$(calc '%.3f' "$self_cpu * 1000 / $n")"
        if [[ $r == 1 ]]; then
            # The runner's own peak RSS, in a second run under ptrace (not timed).
            run_measured "cat $(q "$tmp/pipe_in_$n")" "${P_CMD[$name]}" "$tmp/pipe_out.txt" -p
            check_pipe "$name (traced)" "$tmp/pipe_out.txt"
            add "p_rss_$name" "$self_hwm"
        fi
    done
    for op in wc cat; do
        a=$(echo ${V[p_mibs_fanout-$op]} | awk '{ print $NF }')
        for base in parallel ref; do
            b=$(echo ${V[p_mibs_$base-$op]} | awk '{ print $NF }')
            add "p_ratio_${op}_$base" "$(calc '%.3f' "$a / $b")"
        done
        # Own CPU per MiB, fanout over parallel: < 1 means fanout burns less.
        a=$(echo ${V[p_self_fanout-$op]} | awk '{ print $NF }')
        b=$(echo ${V[p_self_parallel-$op]} | awk '{ print $NF }')
        add "p_selfratio_$op" "$(calc '%.3f' "$a / $b")"
    done
done

long_record_row
colsep_row
transform_row

# ---------------------------------------------------------------- Boost.Process vs posix_spawn
log "spawn_compare: $n_spawn spawns x 4 modes x $rounds rounds"
"$tmp/spawn_compare" "$n_spawn" "$rounds" >"$tmp/spawn.txt" || die "spawn_compare failed"

# ================================================================ report
kib_to_mib() { calc '%.1f' "$1 / 1024"; }
verdict() { if awk "BEGIN { exit !($1) }"; then echo "met"; else echo "**missed**"; fi; }

out "# fanout benchmark results"
out ""
out "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end;"
out "fanout $("$fanout" --version 2>/dev/null | awk '{ print $2 }') ($fanout, commit $rev), $rounds interleaved rounds$([[ $quick == 1 ]] && echo ', --quick sizes')."
out "Medians over rounds; ratios are medians of per-round ratios (each round runs every"
out "contender back to back, in a rotating order)."
out ""
out "## 1. Trivial jobs: \`seq $n_trivial | X echo\`, 2 at a time"
out ""
out "| runner | jobs | jobs/s | CPU ms/job (whole tree) | runner's own CPU µs/job |"
out "| --- | ---: | ---: | ---: | ---: |"
declare -A T_LABEL=([ref]="ref_runner (no capture)" [ref-c]="ref_runner -c" [ref-cv]="ref_runner -c -v (vfork)" [group]="fanout --group (default)"
    [keep]="fanout -k" [lb]="fanout --line-buffer" [ungroup]="fanout -u" [xargs]="xargs -P2 -n1 echo"
    [parallel]="parallel -j2 echo")
for name in "${trivial_names[@]}"; do
    out "| ${T_LABEL[$name]} | ${T_N[$name]} | $(med t_rate_$name) | $(med t_cpu_$name) | $(med t_self_$name) |"
done
out ""
out "GNU parallel runs $n_parallel jobs, not $n_trivial (it is slow); jobs/s and CPU ms/job are rates,"
out "so its row compares directly. Whole-tree CPU is user+sys of the runner and every job it"
out "reaped (wait4); the runner's own CPU (jobs excluded) is read by bench/measure -s from"
out "/proc/PID/schedstat and /proc/PID/stat once the runner has exited, before it is reaped:"
out "the part of the cost a runner controls."
out "Every run's output was checked: $n_trivial lines, equal to \`seq\` once sorted (-k: in order)."
out "In every round fanout --group, parallel and fanout -k ran back to back (alternating order)."
out ""
out "Per-round jobs/s ratios:"
out ""
out "| round | group/ref -c | -k/ref -c | group/ref -c -v | -k/ref -c -v | group/xargs | -k/xargs | group/parallel | -k/parallel | tree CPU group/ref -c | tree CPU -k/ref -c | own CPU group/ref -c | own CPU -k/ref -c |"
out "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
ratio_keys=(t_ratio_group_ref-c t_ratio_keep_ref-c t_ratio_group_ref-cv t_ratio_keep_ref-cv t_ratio_group_xargs t_ratio_keep_xargs t_ratio_group_parallel t_ratio_keep_parallel t_cpuratio_group t_cpuratio_keep t_selfratio_group t_selfratio_keep)
for ((r = 1; r <= rounds; r++)); do
    row="| $r |"
    for key in "${ratio_keys[@]}"; do row+=" $(echo ${V[$key]} | awk -v r="$r" '{ print $r }') |"; done
    out "$row"
done
row="| **median** |"
for key in "${ratio_keys[@]}"; do row+=" **$(med "$key")** |"; done
out "$row"
out ""
out "The first eight columns are jobs/s ratios (higher is better for fanout); the last four are"
out "CPU-per-job ratios (lower is better), which other load on the machine disturbs less: the"
out "whole tree's (dominated by exec'ing /bin/echo) and the runner's own."
out ""
out "fanout starts jobs with vfork + execve, not posix_spawn: glibc's posix_spawn child resets"
out "all 64 signals one system call at a time and its parent maps a fresh stack per spawn."
out "\`ref_runner -c\` (posix_spawn) is the limit the targets name; \`ref_runner -c -v\` is the"
out "same loop started the way fanout starts jobs, the limit for that spawn path."
out ""
out "## 2. Start-up: one \`echo\` job, wall time (median of $n_startup runs)"
out ""
out "| runner | ms | fanout / this (median of per-run ratios) |"
out "| --- | ---: | ---: |"
declare -A S_LABEL=([fanout]="fanout" [ref]="ref_runner" [ref-c]="ref_runner -c" [xargs]="xargs" [parallel]="parallel")
for name in "${startup_names[@]}"; do
    ratio="-"
    [[ -n ${V[s_ratio_$name]:-} ]] && ratio=$(med "s_ratio_$name")
    out "| ${S_LABEL[$name]} | $(med s_ms_$name) | $ratio |"
done
out ""
out "## 3. CPU-bound scaling: $n_cpu jobs of ${cpu_seconds}s CPU each"
out ""
out "Each job spins until its own CPU clock reads ${cpu_seconds}s (\`busy -t\`). The fixed-work rows run"
out "$iters iterations per job instead (calibrated to ${cpu_seconds}s at the start): on this guest"
out "they last longer whenever the host is busy, so they show the machine more than the runner."
out ""
out "| runner | -j1 wall s | -j2 wall s | speed-up (median per round) | CPU s/job at -j1 / -j2 |"
out "| --- | ---: | ---: | ---: | ---: |"
declare -A C_LABEL=([fanout]="fanout" [ref]="ref_runner (control: what this machine allows now)"
    [fanout-fixed]="fanout, fixed work" [ref-fixed]="ref_runner, fixed work")
for who in "${cpu_runners[@]}"; do
    out "| ${C_LABEL[$who]} | $(med c_wall_$who-j1) | $(med c_wall_$who-j2) | $(med c_speedup_$who) | $(med c_cpu_$who-j1) / $(med c_cpu_$who-j2) |"
done
out ""
out "Per-round speed-ups: fanout $(echo ${V[c_speedup_fanout]}), ref_runner $(echo ${V[c_speedup_ref]}); fixed work: fanout $(echo ${V[c_speedup_fanout-fixed]}), ref_runner $(echo ${V[c_speedup_ref-fixed]})."
out ""
out "## 4. Output: $n_out jobs each writing 1 MiB (\`cat\` of a 1 MiB file) into \`| wc -c\`"
out ""
out "| runner | MiB/s | / ref_runner -c (median per round) | runner's own CPU ms/MiB | own CPU / ref_runner -c | runner's own peak RSS MiB | tree max RSS MiB (GNU time %M) |"
out "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
declare -A O_LABEL=([group]="fanout --group" [keep]="fanout -k" [ref-c]="ref_runner -c")
for name in "${output_names[@]}"; do
    ratio="-" sratio="-"
    [[ -n ${V[o_ratio_$name]:-} ]] && ratio=$(med "o_ratio_$name")
    [[ -n ${V[o_selfratio_$name]:-} ]] && sratio=$(med "o_selfratio_$name")
    out "| ${O_LABEL[$name]} | $(med o_mibs_$name) | $ratio | $(med o_self_$name) | $sratio | $(kib_to_mib "$(max ${V[o_rss_$name]})") | $(kib_to_mib "$(max ${V[o_tree_$name]})") |"
done
out ""
out "Every run delivered $out_bytes bytes. The runner's own peak RSS (one extra, untimed run in"
out "round 1) is VmHWM read from /proc/PID/status when it exits (bench/measure -p stops it there"
out "with ptrace). GNU time's %M is wait4's ru_maxrss, the maximum over the process *and every child it reaped*, so it shows"
out "the jobs' RSS as soon as one is bigger than the runner (checked: \`fanout -u dd bs=64M\` shows"
out "~67 MiB under %M and ~4 MiB as fanout's VmHWM)."
out ""
out "## 5. Input: \`seq $n_input | X -P2/-j2 -n 1000 true\`"
out ""
out "| runner | wall s | own CPU s | own peak RSS MiB |"
out "| --- | ---: | ---: | ---: |"
out "| fanout -j2 -n 1000 true | $(med i_wall_fanout) | $(med i_self_fanout) | $(kib_to_mib "$(max ${V[i_rss_fanout]})") |"
out "| xargs -P2 -n 1000 true | $(med i_wall_xargs) | $(med i_self_xargs) | $(kib_to_mib "$(max ${V[i_rss_xargs]})") |"
out ""
out "fanout / xargs wall time, per round: $(echo ${V[i_ratio]}); median **$(med i_ratio)**."
out ""
out "## 6. Keep-order memory: \`seq N | fanout -k -j2 echo\`"
out ""
out "| jobs | fanout peak RSS MiB | jobs/s (one run) |"
out "| ---: | ---: | ---: |"
for n in "${keep_sizes[@]}"; do
    out "| $n | $(kib_to_mib "${V[k_rss_$n]}") | ${V[k_rate_$n]} |"
done
out ""
out "## Shell vs direct: \`seq $n_shell | fanout -j2 echo {}\` vs \`fanout -j2 'echo {} ;'\`"
out ""
out "| command | jobs/s | CPU ms/job (tree) | fanout's own CPU µs/job | extra wall ms/job vs direct | extra CPU ms/job vs direct |"
out "| --- | ---: | ---: | ---: | ---: | ---: |"
out "| direct (\`echo {}\`: vfork + exec of /bin/echo) | $(med d_rate_direct) | $(med d_cpu_direct) | $(med d_self_direct) | - | - |"
out "| shell (\`'echo {} ;'\`: /bin/sh -c, echo is a builtin) | $(med d_rate_shell) | $(med d_cpu_shell) | $(med d_self_shell) | $(med d_extra_ms_shell) | $(med d_extra_cpu_shell) |"
out "| shell + exec (\`'/bin/echo {} ;'\`, extra row) | $(med d_rate_shell-ext) | $(med d_cpu_shell-ext) | $(med d_self_shell-ext) | $(med d_extra_ms_shell-ext) | $(med d_extra_cpu_shell-ext) |"
out ""
out "Extra costs are medians of per-round differences (wall per job at -j2 is 1 / jobs/s). In"
out "\`'echo {} ;'\` the shell's builtin echo replaces /bin/echo, so that row can come out"
out "cheaper than running /bin/echo directly; the third row runs the same /bin/echo through"
out "the shell and is the real price of the shell."
out ""
out "## Pipe throughput: \`cat FILE | X --pipe -j2 -k --block 1M wc -l\` and \`... cat | wc -c\`"
out ""
out "FILE: $n_pipe MiB of text, ${P_LINES[$n_pipe]} numbered lines of $((n_pipe * mib / P_LINES[$n_pipe])) bytes on average; GNU parallel"
out "gets the first $n_pipe_parallel MiB (it is slow; MiB/s is a rate, so its rows compare directly). The"
out "reference is the job alone (\`cat FILE | wc -l\`, \`cat FILE | cat | wc -c\`): what a runner could reach."
out ""
out "| command | MiB | MiB/s | fanout / this (median per round) | runner's own CPU ms/MiB | own CPU fanout / this | runner's own peak RSS MiB |"
out "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
declare -A P_LABEL=([fanout-wc]="fanout --pipe wc -l" [parallel-wc]="parallel --pipe wc -l" [ref-wc]="wc -l (reference)"
    [fanout-cat]="fanout --pipe cat" [parallel-cat]="parallel --pipe cat" [ref-cat]="cat (reference)")
for name in "${pipe_names[@]}"; do
    ratio="-" sratio="-"
    op=${name##*-} who=${name%-*}
    [[ $who != fanout ]] && ratio=$(med "p_ratio_${op}_$who")
    [[ $who == parallel ]] && sratio=$(med "p_selfratio_$op")
    out "| ${P_LABEL[$name]} | ${P_MIB[$name]} | $(med p_mibs_$name) | $ratio | $(med p_self_$name) | $sratio | $(kib_to_mib "$(max ${V[p_rss_$name]})") |"
done
out ""
out "Per-round MiB/s ratios:"
out ""
out "| round | wc -l: fanout/parallel | cat: fanout/parallel | wc -l: fanout/reference | cat: fanout/reference |"
out "| --- | ---: | ---: | ---: | ---: |"
pipe_keys=(p_ratio_wc_parallel p_ratio_cat_parallel p_ratio_wc_ref p_ratio_cat_ref)
for ((r = 1; r <= rounds; r++)); do
    row="| $r |"
    for key in "${pipe_keys[@]}"; do row+=" $(echo ${V[$key]} | awk -v r="$r" '{ print $r }') |"; done
    out "$row"
done
row="| **median** |"
for key in "${pipe_keys[@]}"; do row+=" **$(med "$key")** |"; done
out "$row"
out ""
out "Every run was checked: the wc -l counts add up to the file's line count, and cat delivered every byte."
out "Own CPU is the runner's alone (its jobs excluded); the reference rows' is that of wc or cat."
out "Peak RSS comes from one extra, untimed run in round 1, as in the output row."
out ""
long_record_report
colsep_report
transform_report
out "## Boost.Process v1 (fork launcher) vs posix_spawn: /bin/true, $n_spawn spawns"
out ""
out '```'
while IFS= read -r line; do out "$line"; done <"$tmp/spawn.txt"
out '```'
out ""

# ---------------------------------------------------------------- targets
mg=$(med t_ratio_group_ref-c) mk=$(med t_ratio_keep_ref-c)
xg=$(med t_ratio_group_xargs) xk=$(med t_ratio_keep_xargs)
pg=$(med t_ratio_group_parallel) pk=$(med t_ratio_keep_parallel)
sr=$(med s_ratio_ref)
sp=$(med c_speedup_fanout)
og=$(med o_ratio_group) ok=$(med o_ratio_keep)
org=$(max ${V[o_rss_group]}) ork=$(max ${V[o_rss_keep]})
ir=$(med i_ratio) irss=$(max ${V[i_rss_fanout]})
kbig=${keep_sizes[-1]}
krss=${V[k_rss_$kbig]}
pw=$(med p_ratio_wc_parallel) pc=$(med p_ratio_cat_parallel)
out "## Targets"
out ""
ratio_of() { fmt "$(calc '%.4f' "$1 / $2")"; }
tc_g=$(median ${V[t_cpu_group]}) tc_k=$(median ${V[t_cpu_keep]}) tc_x=$(median ${V[t_cpu_xargs]})
tc_p=$(median ${V[t_cpu_parallel]}) ts_g=$(median ${V[t_self_group]}) ts_k=$(median ${V[t_self_keep]})
ts_x=$(median ${V[t_self_xargs]})
out "| target | measured (wall-time ratio) | verdict | CPU view (steadier under load) |"
out "| --- | --- | --- | --- |"
out "| trivial jobs, --group >= 0.9x ref_runner -c | $mg | $(verdict "$mg >= 0.9") | tree CPU/job $(med t_cpuratio_group)x, own CPU/job $(med t_selfratio_group)x ref_runner -c's; jobs/s $(med t_ratio_group_ref-cv)x ref_runner -c -v's |"
out "| trivial jobs, -k >= 0.9x ref_runner -c | $mk | $(verdict "$mk >= 0.9") | tree CPU/job $(med t_cpuratio_keep)x, own CPU/job $(med t_selfratio_keep)x ref_runner -c's; jobs/s $(med t_ratio_keep_ref-cv)x ref_runner -c -v's |"
out "| trivial jobs, --group >= xargs -P2 | $xg | $(verdict "$xg >= 1.0") | tree CPU/job $(ratio_of "$tc_g" "$tc_x")x, own CPU/job $(ratio_of "$ts_g" "$ts_x")x xargs' |"
out "| trivial jobs, -k >= xargs -P2 | $xk | $(verdict "$xk >= 1.0") | tree CPU/job $(ratio_of "$tc_k" "$tc_x")x, own CPU/job $(ratio_of "$ts_k" "$ts_x")x xargs' |"
out "| trivial jobs >= 8x GNU parallel (--group / -k) | $pg / $pk | $(verdict "$pg >= 8 && $pk >= 8") | parallel burns $(ratio_of "$tc_p" "$tc_g")x / $(ratio_of "$tc_p" "$tc_k")x the tree CPU per job |"
out "| start-up within 1.3x of ref_runner (one job) | $sr | $(verdict "$sr <= 1.3") | (vs ref_runner -c: $(med s_ratio_ref-c)) |"
out "| CPU-bound speed-up >= 1.98x at -j2 | $sp | $(verdict "$sp >= 1.98") | ref_runner's speed-up in the same rounds: $(med c_speedup_ref); fixed work: fanout $(med c_speedup_fanout-fixed), ref_runner $(med c_speedup_ref-fixed) |"
out "| output >= 0.9x ref_runner -c MiB/s (--group / -k) | $og / $ok | $(verdict "$og >= 0.9 && $ok >= 0.9") | own CPU per MiB $(med o_selfratio_group)x / $(med o_selfratio_keep)x ref_runner -c's |"
out "| output: fanout peak RSS < 16 MiB (--group / -k) | $(kib_to_mib "$org") / $(kib_to_mib "$ork") MiB | $(verdict "$org < 16384 && $ork < 16384") | |"
out "| 1M-line input within 1.5x of xargs | $ir | $(verdict "$ir <= 1.5") | own CPU $(ratio_of "$(median ${V[i_self_fanout]})" "$(median ${V[i_self_xargs]})")x xargs' |"
out "| 1M-line input: fanout peak RSS < 16 MiB | $(kib_to_mib "$irss") MiB | $(verdict "$irss < 16384") | |"
out "| -k over $kbig jobs: peak RSS < 8 MiB | $(kib_to_mib "$krss") MiB | $(verdict "$krss < 8192") | |"
out "| --pipe >= 2x GNU parallel --pipe MiB/s (wc -l / cat) | $pw / $pc | $(verdict "$pw >= 2 && $pc >= 2") | own CPU per MiB $(med p_selfratio_wc)x / $(med p_selfratio_cat)x parallel's |"
out ""
out "Verdicts follow the targets' wall-time ratios. Under heavy load from other processes the"
out "per-round ratios scatter widely; the CPU column says whether fanout itself costs more."
[[ $quick == 1 ]] && out "" && out "(--quick: smaller sizes than the targets name; run without --quick to judge them.)"

cat "$report"
if [[ $write == 1 ]]; then
    cp "$report" "$here/results.md"
    log "wrote $here/results.md"
fi
