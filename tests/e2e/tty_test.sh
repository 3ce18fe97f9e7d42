#!/usr/bin/env bash
# Input records typed at a terminal: fanout warns once on stderr (a forgotten ':::' is
# the usual cause, as GNU parallel warns too) and reads on; not when stdin is a pipe, nor
# when stderr is not a terminal. Runs fanout on the pty of a private tmux server.
source "$(dirname "$0")/lib.sh" || exit 1

if ! command -v tmux >/dev/null; then
    fail "tmux is needed to give fanout a pty (scripts/dev.sh installs it)"
    end_of_tests
fi

# A private server: its own socket name, no configuration, killed at the end.
unset TMUX TMUX_PANE
TMUX_NAME="fanout-tty-$$"
tmux_() {
    tmux -L "$TMUX_NAME" -f /dev/null "$@"
}
WARNING="fanout: warning: reading input records from the terminal"

# start NAME SCRIPT: runs SCRIPT (sh) on a fresh pty of session NAME; it ends with DONE.
start() {
    tmux_ new-session -d -s "$1" -x 200 -y 20 -- sh -c "$2; echo DONE; sleep 600"
}
screen_of() {
    tmux_ capture-pane -p -t "$1"
}
screen_has() {
    screen_of "$1" | grep -q -- "$2"
}

start typed "'$FANOUT' echo got"
kill_at_exit "$(tmux_ display-message -p '#{pid}')" # should the script stop half-way
wait_until 20 screen_has typed "$WARNING"
assert_true "stdin a terminal: the warning appears before any record is typed" screen_has typed "$WARNING"
tmux_ send-keys -t typed -l 'x y'
tmux_ send-keys -t typed Enter C-d
wait_until 20 screen_has typed DONE
assert_eq "stdin a terminal: the warning is one line, once" 1 "$(screen_of typed | grep -c -- "fanout: warning")"
assert_true "stdin a terminal: the typed record runs" screen_has typed '^got x y$'

start piped "echo z | '$FANOUT' echo got"
wait_until 20 screen_has piped DONE
assert_true "stdin a pipe: the job runs" screen_has piped '^got z$'
assert_eq "stdin a pipe: no warning" "" "$(screen_of piped | grep -- "fanout: warning")"

start args "'$FANOUT' echo got ::: w"
wait_until 20 screen_has args DONE
assert_eq "records after ::: : no warning" "" "$(screen_of args | grep -- "fanout: warning")"

start no_tty_err "'$FANOUT' echo got 2>'$T/err'"
tmux_ send-keys -t no_tty_err C-d
wait_until 20 screen_has no_tty_err DONE
assert_eq "stderr not a terminal: no warning" "" "$(cat "$T/err")"

tmux_ kill-server
end_of_tests
