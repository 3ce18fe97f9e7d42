# Colours, CI and the machine's load: --color=always|never|auto for the --tag prefixes
# (stdout) and the failure summary's header (stderr); auto colours only a terminal (a
# pseudo-terminal from script(1) here) and not when CI is set (non-empty, not "false"),
# NO_COLOR is set non-empty or TERM=dumb; under CI no progress line even on a terminal.
# --load MAX and --memfree SIZE hold jobs back without busy waiting, or let them run;
# bad values of all three are usage errors.
# shellcheck source=lib.sh disable=SC1083,SC2016,SC2317 # literal braces and unexpanded $ are the point; wait_until calls the small functions
source "$(dirname "$0")/lib.sh"

# Each case below sets what it needs; nothing may leak in from where the tests run.
unset CI NO_COLOR MAKEFLAGS MFLAGS MAKELEVEL
export TERM=xterm

ESC=$'\033'
RED_ON=$'\033[1;31m'
COLOR_OFF=$'\033[0m'

# in_pty COMMAND: runs the shell command COMMAND under a pseudo-terminal (its stdin,
# stdout and stderr); OUT_FILE gets every byte the terminal received.
in_pty() {
    run script -qfec "$1" /dev/null
}

# fanout_cmd ARGS...: the shell command line running fanout with ARGS.
fanout_cmd() {
    printf '%q ' "$FANOUT" "$@"
}

# --- --color with --tag: stdout ---------------------------------------------------------------
fresh_dir tag
run "$FANOUT" --color=always --tag echo x ::: a
assert_status "--color=always --tag: exit 0" 0
assert_eq "--color=always --tag: the prefix is coloured, then reset before the tab" \
    "${ESC}[32ma${COLOR_OFF}"$'\tx a' "$OUT"
run "$FANOUT" --colour=always --tag -k echo x ::: a b c
assert_eq "--colour (British spelling) works the same" 3 "$(grep -c "^${ESC}\[3[1-6]m" "$OUT_FILE")"
assert_ne "--color=always: neighbouring jobs get different colours" \
    "$(sed -n 1p "$OUT_FILE" | cut -c1-5)" "$(sed -n 2p "$OUT_FILE" | cut -c1-5)"
run "$FANOUT" --color=always --tagstring 'T{}' echo x ::: a
assert_eq "--color=always --tagstring: the prefix is coloured too" "${ESC}[32mTa${COLOR_OFF}"$'\tx a' "$OUT"
run "$FANOUT" --color=always echo x ::: a
assert_eq "--color=always without --tag: nothing to colour" "x a" "$OUT"
run "$FANOUT" --color=never --tag echo x ::: a
assert_eq "--color=never --tag: plain" $'a\tx a' "$OUT"
run "$FANOUT" --tag echo x ::: a
assert_eq "--color=auto (the default), stdout a file: plain" $'a\tx a' "$OUT"
run "$FANOUT" --color=auto --tag echo x ::: a
assert_eq "--color=auto, stdout a file: plain" $'a\tx a' "$OUT"
NO_COLOR=1 run "$FANOUT" --color=always --tag echo x ::: a
assert_contains "--color=always beats NO_COLOR" "${ESC}[" "$OUT"
CI=true run "$FANOUT" --color=always --tag echo x ::: a
assert_contains "--color=always beats CI" "${ESC}[" "$OUT"

# --- --color: the failure summary's header on stderr -------------------------------------------
fresh_dir summary
run "$FANOUT" --color=always 'exit 1' ::: a
assert_status "--color=always, a failed job: exit 1" 1
assert_match "--color=always: the summary's header is red and bold" "^${ESC}\\[1;31mfanout: [^$ESC]*${ESC}\\[0m\$" \
    "$(head -n 1 "$ERR_FILE")"
assert_eq "--color=always: the other summary lines are plain" "" "$(tail -n +2 "$ERR_FILE" | grep -F "$ESC")"
run "$FANOUT" --color=never 'exit 1' ::: a
assert_match "--color=never: the summary is there" '^fanout: ' "$ERR"
assert_eq "--color=never: no escape on stderr" "" "$(grep -F "$ESC" "$ERR_FILE")"
run "$FANOUT" 'exit 1' ::: a
assert_eq "--color=auto, stderr a file: no escape on stderr" "" "$(grep -F "$ESC" "$ERR_FILE")"

# --- --color=auto on a terminal -------------------------------------------------------------------
if ! have script; then
    fail "script(1) from util-linux is not installed: the terminal cases cannot run"
    end_of_tests
fi

fresh_dir pty
in_pty "$(fanout_cmd --tag echo x ::: a)"
assert_status "a terminal: exit 0" 0
assert_contains "a terminal: the --tag prefix is coloured" "${ESC}[32ma${COLOR_OFF}" "$OUT"
in_pty "$(fanout_cmd --tag 'echo x; exit 1' ::: a)"
assert_contains "a terminal: the summary's header is red" "${RED_ON}fanout: " "$OUT"
in_pty "$(fanout_cmd --color=never --tag 'echo x; exit 1' ::: a)"
assert_contains "a terminal, --color=never: the output is there" "x" "$OUT"
assert_not_contains "a terminal, --color=never: no escape at all" "$ESC" "$OUT"

# stdout and stderr are decided each on its own.
in_pty "$(fanout_cmd --tag 'echo x; exit 1' ::: a) >$PWD/stdout.txt"
assert_eq "stdout a file, stderr a terminal: stdout plain" $'a\tx' "$(cat stdout.txt)"
assert_contains "stdout a file, stderr a terminal: the header red" "${RED_ON}fanout: " "$OUT"
in_pty "$(fanout_cmd --tag 'echo x; exit 1' ::: a) 2>$PWD/stderr.txt"
assert_contains "stdout a terminal, stderr a file: stdout coloured" "${ESC}[32ma" "$OUT"
assert_eq "stdout a terminal, stderr a file: stderr plain" "" "$(grep -F "$ESC" stderr.txt)"

# no_color_under DESC VAR=VALUE...: on a terminal with these variables, no colour at all.
no_color_under() {
    local desc=$1
    shift
    in_pty "$(printf '%q ' env "$@") $(fanout_cmd --tag 'echo x; exit 1' ::: a)"
    assert_contains "$desc: the output is there" "x" "$OUT"
    assert_contains "$desc: the summary is there" "fanout: " "$OUT"
    assert_not_contains "$desc: no colour" "$ESC" "$OUT"
}

# color_under DESC VAR=VALUE...: on a terminal with these variables, colours.
color_under() {
    local desc=$1
    shift
    in_pty "$(printf '%q ' env "$@") $(fanout_cmd --tag 'echo x; exit 1' ::: a)"
    assert_contains "$desc: the --tag prefix is coloured" "${ESC}[32ma${COLOR_OFF}" "$OUT"
    assert_contains "$desc: the header is red" "${RED_ON}fanout: " "$OUT"
}

no_color_under "NO_COLOR=1" NO_COLOR=1
no_color_under "NO_COLOR=0 (any non-empty value)" NO_COLOR=0
color_under "NO_COLOR= (empty)" NO_COLOR=
no_color_under "CI=true" CI=true
no_color_under "CI=1" CI=1
no_color_under "CI=yes" CI=yes
color_under "CI=false" CI=false
color_under "CI= (empty)" CI=
no_color_under "TERM=dumb" TERM=dumb
color_under "TERM=vt100" TERM=vt100
in_pty "$(printf '%q ' env CI=true NO_COLOR=1 TERM=dumb) $(fanout_cmd --color=always --tag 'echo x; exit 1' ::: a)"
assert_contains "a terminal, --color=always under CI, NO_COLOR and TERM=dumb: the prefix coloured" \
    "${ESC}[32ma" "$OUT"
assert_contains "a terminal, --color=always under CI, NO_COLOR and TERM=dumb: the header red" \
    "${RED_ON}fanout: " "$OUT"

# --- CI: no progress line, even on a terminal ---------------------------------------------------------
fresh_dir progress
in_pty "$(fanout_cmd --progress -j2 sleep ::: 0.3 0.3 0.3 0.3)"
assert_status "--progress on a terminal: exit 0" 0
assert_contains "--progress on a terminal, no CI: the status line shows" " done, " "$OUT"
for option in --progress --bar --eta; do
    in_pty "env CI=true $(fanout_cmd "$option" -j2 sleep ::: 0.3 0.3 0.3 0.3)"
    assert_status "$option on a terminal, CI=true: exit 0" 0
    assert_eq "$option on a terminal, CI=true: nothing at all on the terminal" "" "$OUT"
done
in_pty "env CI=false $(fanout_cmd --progress -j2 sleep ::: 0.3 0.3 0.3 0.3)"
assert_contains "--progress on a terminal, CI=false: the status line shows" " done, " "$OUT"

# --- --load and --memfree ------------------------------------------------------------------------------

# cpu_ticks PID: user plus system CPU time of a process, in clock ticks.
cpu_ticks() {
    local stat
    stat=$(cat "/proc/$1/stat") || return 1
    stat=${stat##*) }
    awk '{ print $12 + $13 }' <<<"$stat"
}

# wakeups PID: how many times the process has gone to sleep and woken up.
wakeups() {
    awk '/^voluntary_ctxt_switches:/ { print $2 }' "/proc/$1/status"
}

load_above() {
    awk -v limit="$1" '{ exit !($1 > limit) }' /proc/loadavg
}

# held_back DESC ARGS...: fanout ARGS with one job that would create ran.1 has not
# run it after 2.5 s, is still waiting, and used almost no CPU while it waited.
held_back() {
    local desc=$1 pid ticks woke
    shift
    rm -f ran.1
    "$FANOUT" "$@" 'touch ran.{}' ::: 1 >out.txt 2>err.txt &
    pid=$!
    kill_at_exit "$pid"
    sleep 0.5
    ticks=$(cpu_ticks "$pid")
    woke=$(wakeups "$pid")
    sleep 2
    assert_no_file "$desc: the job has not run after 2.5 s" ran.1
    assert_true "$desc: fanout is still waiting" kill -0 "$pid"
    # Waiting the event loop's way (a look once a second) costs next to nothing: a busy
    # loop would burn the 200 ticks of 2 s; polling every 100 ms would wake 20 times.
    assert_le "$desc: fanout used almost no CPU while waiting (clock ticks in 2 s)" 20 \
        $(($(cpu_ticks "$pid") - ticks))
    assert_le "$desc: fanout woke up about once a second (wakeups in 2 s)" 8 $(($(wakeups "$pid") - woke))
    kill -TERM "$pid"
    { wait "$pid"; } 2>/dev/null
    assert_eq "$desc: fanout ends by SIGTERM" 143 "$?"
    assert_no_file "$desc: the job never ran" ran.1
}

fresh_dir load
# A load average of exactly 0.00 (an idle machine) is not above 0.0001: make some.
if ! load_above 0.0001; then
    (
        end=$((SECONDS + 20))
        while [ "$SECONDS" -lt "$end" ] && ! load_above 0.01; do :; done
    ) &
    kill_at_exit $!
    wait_until 25 load_above 0.0001 || echo "NOTE: the load average stays at 0: $(cat /proc/loadavg)"
    wait
fi
held_back "--load 0.0001" --load 0.0001
run "$FANOUT" --load 1000 'echo {}' ::: 1 2 3
assert_status "--load 1000: exit 0" 0
assert_eq "--load 1000: the jobs run" $'1\n2\n3' "$(sort "$OUT_FILE")"
run "$FANOUT" --load 100000% 'echo {}' ::: 1 2
assert_status "--load 100000%: exit 0" 0
assert_eq "--load 100000%: the jobs run" $'1\n2' "$(sort "$OUT_FILE")"

fresh_dir memfree
held_back "--memfree 1000T" --memfree 1000T
run "$FANOUT" --memfree 1k 'echo {}' ::: 1 2 3
assert_status "--memfree 1k: exit 0" 0
assert_eq "--memfree 1k: the jobs run" $'1\n2\n3' "$(sort "$OUT_FILE")"
run "$FANOUT" --memfree 1 --load 1000 'echo {}' ::: 1
assert_eq "--memfree 1 --load 1000: the job runs" 1 "$OUT"

# --- Bad values ------------------------------------------------------------------------------------------
fresh_dir bad_values
for value in abc '' 5%x % -1 1.5.2; do
    run "$FANOUT" --load "$value" echo ::: 1
    assert_usage_error "--load '$value'" "--load"
done
for value in abc '' 12X 1kb -1 k 1.2.3M; do
    run "$FANOUT" --memfree "$value" echo ::: 1
    assert_usage_error "--memfree '$value'" "--memfree"
done
for option in --color=sometimes --color=yes --color=ALWAYS --color= --colour=none; do
    run "$FANOUT" "$option" echo ::: 1
    assert_usage_error "$option" "--colo"
done
run "$FANOUT" --color
assert_usage_error "--color without a value" "--color"

end_of_tests
