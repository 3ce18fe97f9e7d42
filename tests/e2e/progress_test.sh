# --progress, --bar and --eta: one status line on stderr when stderr is a terminal
# (run here under a pseudo-terminal with script(1) from util-linux), redrawn in place
# with "\r...\033[K", cleared before other output and at the end; nothing at all when
# stderr is not a terminal. With tmux, also what a person would see on the screen.
# shellcheck source=lib.sh disable=SC1083,SC2016,SC2317 # literal braces and unexpanded $ are the point; wait_until calls the small functions
source "$(dirname "$0")/lib.sh"

CLEAR=$'\r\033[K'

# in_pty ARGS...: runs fanout ARGS under a pseudo-terminal (stdin, stdout and stderr),
# outside CI as far as fanout can tell (CI set hides the status line); OUT_FILE gets
# every byte the terminal received, STATUS fanout's exit status, ELAPSED_MS the time
# it took. PTY_PIPE=FILE: fanout's stdin is a pipe from `cat FILE` instead;
# PTY_COLS=N: the terminal is N columns wide.
in_pty() {
    local command start
    command=$(printf '%q ' env -u CI "$FANOUT" "$@")
    if [ -n "${PTY_PIPE:-}" ]; then
        command="cat $(printf '%q' "$PTY_PIPE") | $command"
    fi
    if [ -n "${PTY_COLS:-}" ]; then
        command="stty cols $PTY_COLS && $command"
    fi
    start=${EPOCHREALTIME/[.,]/}
    run script -qfec "$command" /dev/null
    ELAPSED_MS=$(((${EPOCHREALTIME/[.,]/} - start) / 1000))
}

# segments FILE: the pieces of a terminal transcript between carriage returns and
# newlines, one per line: each piece is what one redraw or one output line wrote.
segments() {
    tr '\r' '\n' <"$1" | grep -v '^$'
}

# pieces FILE: as segments, also cut where "\033[K" clears the rest of a line, and
# without colours.
pieces() {
    sed 's/\x1b\[K/\n/g; s/\x1b\[[0-9;]*m//g' "$1" | tr '\r' '\n' | grep -v '^$'
}

# count_of FILE TEXT: how many times TEXT occurs in FILE.
count_of() {
    grep -o -F -e "$2" "$1" | wc -l
}

# ends_with FILE TEXT: the file's last bytes are TEXT.
ends_with() {
    [ "$(tail -c "${#2}" "$1")" == "$2" ]
}

assert_true "script(1) from util-linux is installed" have script

# --- --bar under a terminal -----------------------------------------------------------------------
fresh_dir bar
in_pty --bar -j2 'sleep 0.3; : {}' ::: $(seq 6)
cp "$OUT_FILE" bar.tty
assert_status "--bar: exit 0" 0
assert_contains "--bar: the status line counts done jobs" " done, " "$OUT"
assert_contains "--bar: ... running jobs" " running, " "$OUT"
assert_contains "--bar: ... failed jobs" " failed" "$OUT"
assert_contains "--bar: ... and the rate" "/s" "$OUT"
# The ::: values are all known before the first job starts: so is the total.
assert_match "--bar: the total is shown early, not only for the last jobs" '[0-3]/6 done' "$OUT"
assert_contains "--bar: a percentage" "% [" "$OUT"
assert_contains "--bar: a bar that fills" "[#" "$OUT"
assert_match "--bar: the bar shows while several jobs are still to run" '[0-9]+% \[#+ *\] [1-3]/6 done' "$OUT"
assert_contains "--bar: each redraw starts at the line's beginning and clears its rest" $'\r' "$OUT"
assert_true "--bar: the line is cleared at the end (the last bytes are \\r\\033[K)" ends_with bar.tty "$CLEAR"
assert_eq "--bar: every redraw ends by clearing the rest of the line" "" \
    "$(segments bar.tty | grep -F ' done, ' | grep -v $'\033\\[K$')"
draws=$(count_of bar.tty " done, ")
assert_ge "--bar: the line is drawn while the run goes on" 2 "$draws"
# At most about ten redraws a second: allow three times as many, and some for the start.
assert_le "--bar: redrawn at most ~10 times a second (draws for ${ELAPSED_MS} ms)" \
    $((ELAPSED_MS * 30 / 1000 + 10)) "$draws"

# --- --progress and --eta ----------------------------------------------------------------------------
fresh_dir progress
in_pty --progress -j2 'sleep 0.3; : {}' ::: $(seq 6)
cp "$OUT_FILE" progress.tty
assert_status "--progress: exit 0" 0
assert_match "--progress: 'fanout: D done, R running, F failed, X/s'" \
    'fanout: [0-9]+(/[0-9]+)? done, [0-9]+ running, [0-9]+ failed, [0-9]+\.[0-9]/s' "$OUT"
assert_not_contains "--progress: no bar" "[#" "$OUT"
assert_not_contains "--progress: no ETA" "ETA" "$OUT"
assert_true "--progress: cleared at the end" ends_with progress.tty "$CLEAR"

in_pty --eta -j2 'sleep 0.3; : {}' ::: $(seq 6)
cp "$OUT_FILE" eta.tty
assert_status "--eta: exit 0" 0
assert_contains "--eta: the status line" " running, " "$OUT"
assert_contains "--eta: the estimated time left" ", ETA " "$OUT"
assert_match "--eta: the estimate shows while several jobs are still to run" \
    "[1-3]/6 done, [^"$'\r'"]*, ETA [0-9]" "$OUT"
assert_not_contains "--eta: no bar" "[#" "$OUT"
assert_true "--eta: cleared at the end" ends_with eta.tty "$CLEAR"

# --- piped input: the total is known once the input has ended ------------------------------------------
# Only the input tells how many jobs there are: fanout reads ahead of the jobs, so
# the total, the bar and the ETA show from the moment it has ended, not only after
# the last job started.
fresh_dir piped
seq 8 >eight
PTY_PIPE=$PWD/eight in_pty --bar -j2 'sleep 0.3; : {}'
cp "$OUT_FILE" piped_bar.tty
assert_status "--bar, piped input: exit 0" 0
assert_match "--bar, piped input: the bar and the total while several jobs are still to run" \
    '[0-9]+% \[#* *\] [0-5]/8 done' "$OUT"
assert_match "--bar, piped input: and the ETA" "[1-5]/8 done, [^"$'\r'"]*, ETA [0-9]" "$OUT"
PTY_PIPE=$PWD/eight in_pty --eta -j2 'sleep 0.3; : {}'
assert_status "--eta, piped input: exit 0" 0
assert_match "--eta, piped input: the ETA while several jobs are still to run" \
    "[1-5]/8 done, [^"$'\r'"]*, ETA [0-9]" "$OUT"
PTY_PIPE=$PWD/eight in_pty --progress -j2 'sleep 0.3; : {}'
assert_match "--progress, piped input: the total" "[0-5]/8 done, " "$OUT"
# Input that has not ended: counts only, and the jobs run as the records come.
command=$(printf '%q ' env -u CI "$FANOUT" --bar -j2 ': {}')
run script -qfec "(echo 1; echo 2; sleep 1; echo 3) | $command" /dev/null
assert_status "--bar, input still coming: exit 0" 0
assert_match "--bar, input still coming: counts without a total" 'fanout: [12] done, ' "$OUT"
assert_not_contains "--bar, input still coming: never a total that is not one" "/2 done" "$OUT"

# --- a narrow terminal: the line fits, and the ETA is never cut -------------------------------------------
fresh_dir narrow
for cols in 50 40 30; do
    for option in --eta --bar; do
        PTY_COLS=$cols in_pty "$option" -j2 'sleep 0.3; : {}' ::: $(seq 6)
        assert_status "$option, $cols columns: exit 0" 0
        assert_match "$option, $cols columns: the ETA shows whole" '/6 done, [^'$'\r'']*ETA [0-9]+s'$'\033' "$OUT"
        assert_eq "$option, $cols columns: no status line is wider than the terminal" "" \
            "$(pieces "$OUT_FILE" | grep -F ' done' | awk -v cols="$cols" 'length($0) >= cols')"
    done
done
PTY_COLS=50 in_pty --bar -j2 'sleep 0.3; : {}' ::: $(seq 6)
assert_match "--bar, 50 columns: still a bar" '[0-9]+% \[#* *\] [0-5]/6 done' "$OUT"

# --- the status line never mixes with other output -----------------------------------------------------
fresh_dir mixing
in_pty --progress -j2 'sleep 0.3; echo =={#}==; exit {}' ::: 0 0 1 0 1 0
cp "$OUT_FILE" mixing.tty
assert_status "mixing: two jobs failed" 2
assert_eq "mixing: each job's output line is whole, on a cleared line" "$(seq 6)" \
    "$(pieces mixing.tty | sed -n 's/^==\([0-9]\)==$/\1/p' | sort -n)"
# Each output line starts a line of the terminal: after a newline, or after the status
# line was cleared ("\r\033[K"), never glued to the end of a status line.
transcript=$(cat mixing.tty)
glued=""
for n in 1 2 3 4 5 6; do
    if [[ $transcript != *"$CLEAR==$n=="* && $transcript != *$'\n'"==$n=="* && $transcript != "==$n=="* ]]; then
        glued+=" $n"
    fi
done
assert_eq "mixing: no job's output is glued to the status line" "" "$glued"
assert_eq "mixing: no piece of line has both job output and the status" "" \
    "$(pieces mixing.tty | grep -E '^==[0-9]==' | grep -F ' running')"
assert_contains "mixing: the failure summary" "fanout: 2 of 6 jobs failed:" "$OUT"
assert_eq "mixing: the summary starts on a cleared line" "" \
    "$(pieces mixing.tty | grep -F 'jobs failed' | grep -v '^fanout: 2 of 6 jobs failed:$')"

# --- under CI (the CI variable set): nothing ---------------------------------------------------------
fresh_dir ci
command=$(printf '%q ' env CI=true "$FANOUT" --bar -j2 'sleep 0.3; echo {}' ::: $(seq 4))
run script -qfec "$command" /dev/null
assert_status "CI=true: exit 0" 0
assert_not_contains "CI=true: no status line on the terminal" "running" "$OUT"
assert_not_contains "CI=true: no line clearing either" $'\033[K' "$OUT"
command=$(printf '%q ' env CI=false "$FANOUT" --bar -j2 'sleep 0.3; echo {}' ::: $(seq 4))
run script -qfec "$command" /dev/null
assert_contains "CI=false: the status line shows" " running, " "$OUT"

# --- stderr is not a terminal: nothing ------------------------------------------------------------------
fresh_dir not_a_terminal
command=$(printf '%q ' env -u CI "$FANOUT" --bar -j2 'sleep 0.3; : {}' ::: $(seq 4))
run script -qfec "$command 2>$T/not_a_terminal/err.txt" /dev/null
assert_status "stderr to a file: exit 0" 0
assert_eq "stderr to a file: nothing on it" "" "$(cat err.txt)"
assert_not_contains "stderr to a file: nothing of the status on the terminal either" "running" "$OUT"
for option in --bar --progress --eta; do
    run "$FANOUT" "$option" -j2 'sleep 0.2; echo {}' ::: 1 2 3
    assert_status "$option, no terminal at all: exit 0" 0
    assert_eq "$option, no terminal at all: stderr is empty" "" "$ERR"
    assert_eq "$option, no terminal at all: stdout is only the jobs' output" $'1\n2\n3' "$(sort <"$OUT_FILE")"
done

# --- what a person sees (tmux) -----------------------------------------------------------------------------
if have tmux; then
    fresh_dir tmux
    socket="fanout-e2e-$$"
    tmux_() { tmux -L "$socket" -f /dev/null "$@"; }
    command=$(printf '%q ' env -u CI "$FANOUT" --bar -j2 'sleep 0.4; echo line{}' ::: $(seq 8))
    unset TMUX
    if tmux_ new-session -d -x 100 -y 30 "$command; echo EXIT=\$?; sleep 120"; then
        screen() { tmux_ capture-pane -p 2>/dev/null; }
        shows() { screen | grep -qF -e "$1"; }
        assert_true "tmux: the status line is on the screen during the run" wait_until 20 shows " running, "
        assert_true "tmux: the run ends" wait_until 30 shows "EXIT="
        screen >screen.txt
        assert_contains "tmux: exit 0" "EXIT=0" "$(cat screen.txt)"
        assert_eq "tmux: no status line is left on the screen" "" "$(grep -E 'done,|running,' screen.txt)"
        assert_eq "tmux: every job's line is on a line of its own" 8 "$(grep -cE '^line[0-9]$' screen.txt)"
        tmux_ kill-server 2>/dev/null
    else
        fail "tmux: could not start a session"
    fi
else
    echo "NOTE: tmux is not installed: skipping the screen check"
fi

end_of_tests
