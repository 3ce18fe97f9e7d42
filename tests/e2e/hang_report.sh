# hang_report.sh SHELL LIMIT RUN_N [EXTRA]: started in the background by lib.sh's `run`,
# as a process group of its own that is killed when the command ends. Shortly before `run`'s timeout kills the command,
# prints what it and its children are doing: the process tree, where each waits in the
# kernel, its descriptors and, with gdb, its stack; then the output of the shell command
# EXTRA (what the test knows more, e.g. the sessions on its ssh hosts). A hang seen once
# in CI, on a loaded machine, is then diagnosable from the log alone.
shell=$1 limit=$2 run_n=$3 extra=${4:-}
# `run` ends this process group (this bash and its sleep) when the command ends.
sleep "$(awk -v l="$limit" 'BEGIN { m = l / 4; if (m > 15) m = 15; print l - m }')"

guard=$(pgrep -P "$shell" -x timeout | head -n 1)
[ -n "$guard" ] || exit 0
tree=()
next=("$guard")
while [ ${#next[@]} -gt 0 ]; do
    pid=${next[0]}
    next=("${next[@]:1}")
    tree+=("$pid")
    # shellcheck disable=SC2207 # pids are words
    next+=($(pgrep -P "$pid"))
done
echo "NOTE: hang report, just before the timeout (run #$run_n):"
ps -o pid,ppid,pgid,stat,wchan:24,etime,args -p "$(
    IFS=,
    echo "${tree[*]}"
)" | cut -c1-400 | sed 's/^/    /'
for pid in "${tree[@]:1}"; do
    echo "    fds of $pid: $(find "/proc/$pid/fd" -mindepth 1 -printf '%f->%l ' 2>/dev/null)"
done
if [ -n "$extra" ]; then
    bash -c "$extra" 2>&1 | sed 's/^/    /'
fi
if [ ${#tree[@]} -gt 1 ] && command -v gdb >/dev/null; then
    timeout 10 gdb -nx -q -batch -p "${tree[1]}" -ex 'thread apply all bt' 2>&1 |
        grep -E '^(#|Thread)' | head -n 40 | sed 's/^/    /'
fi
