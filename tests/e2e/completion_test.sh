#!/usr/bin/env bash
# The completion files really complete: bash (with bash-completion), zsh (compinit) and
# fish each run interactively on a pty of a private tmux server, a command line is typed,
# TAB pressed, and the screen read back. docs_test.sh checks that each file names every
# option of --help; this test checks what a user sees, which a grep cannot: zsh's
# _arguments rejects a malformed option spec only when TAB is pressed, printing its error
# in place of every completion.
source "$(dirname "$0")/lib.sh" || exit 1

if ! command -v tmux >/dev/null; then
    fail "tmux is needed to give the shells a pty (scripts/dev.sh installs it)"
    end_of_tests
fi

# A run from inside tmux must not reach the user's server; ours has its own socket and
# no configuration file.
unset TMUX TMUX_PANE
SOCKET=$T/tmux.sock
tmux_() {
    tmux -S "$SOCKET" -f /dev/null "$@"
}

# The shells find fanout on PATH (zsh and fish complete commands they can run) and a
# file to complete in their working directory.
mkdir -p "$T/bin" "$T/home" "$T/work"
ln -s "$FANOUT" "$T/bin/fanout"
touch "$T/work/args-alpha.txt"
PROMPT='READY>'

# Text a shell prints when a completion function is broken: zsh's "FUNC:LINE: message"
# (_arguments' "invalid option definition", "command not found: _x"), bash's
# "bash: ...: command not found" or "syntax error", fish's "Unknown command" and
# "in function '...'".
ERROR_PATTERN='invalid option definition|command not found|[Uu]nknown command|syntax error|error:|[A-Za-z_]+:[0-9]+: |in function '

# Every case runs in its own fresh shell, one tmux session each. All sessions start at
# once and are checked one after the other: the shells start and complete side by side,
# so the test takes about as long as its slowest case, not as all of them.
CASE_DESC=() CASE_TEXT=() CASE_KEYS=() CASE_CHECK=() CASE_ARG=()

# add_case DESC TEXT KEYS CHECK ARG: in shell $SHELL_NAME (started by SHELL_COMMAND),
# type TEXT, then KEYS (tmux key names, space-separated); CHECK ARG must then accept the
# screen.
add_case() {
    local n=${#CASE_DESC[@]}
    CASE_DESC[n]="$SHELL_NAME: $1"
    CASE_TEXT[n]=$2
    CASE_KEYS[n]=$3
    CASE_CHECK[n]=$4
    CASE_ARG[n]=$5
    # 100 lines hold the whole option list: zsh asks before showing a longer one.
    if ! tmux_ new-session -d -s "case$n" -x 200 -y 100 -c "$T/work" -- "${SHELL_COMMAND[@]}"; then
        fail "${CASE_DESC[n]}: tmux could not start the shell"
        CASE_CHECK[n]=''
        return
    fi
    if [ -z "${TMUX_SERVER_PID:-}" ]; then
        TMUX_SERVER_PID=$(tmux_ display-message -p '#{pid}')
        kill_at_exit "$TMUX_SERVER_PID"
    fi
}

# read_screen SESSION: SCREEN, its visible lines without trailing blanks, empty ones
# dropped.
read_screen() {
    local line
    SCREEN=()
    while IFS= read -r line; do
        line=${line%"${line##*[![:space:]]}"}
        [ -n "$line" ] && SCREEN+=("$line")
    done < <(tmux_ capture-pane -p -t "$1")
}

prompt_is_last_line() {
    read_screen "$1"
    [ ${#SCREEN[@]} -gt 0 ] && [ "${SCREEN[-1]}" == "$PROMPT" ]
}

# The lines of SCREEN that are an error message.
screen_errors() {
    local line
    for line in "${SCREEN[@]}"; do
        [[ $line =~ $ERROR_PATTERN ]] && printf '%s\n' "$line"
    done
}

# The checks of SCREEN. command_line_is LINE: a prompt followed by LINE.
command_line_is() {
    local line
    for line in "${SCREEN[@]}"; do
        [ "$line" == "$PROMPT $1" ] && return 0
    done
    return 1
}

# listed WORDS: every one of the space-separated WORDS is a word in the listing below
# the command line (an error message, which may quote the words, is no listing).
listed() {
    local word line words
    read -ra words <<<"$1"
    for word in "${words[@]}"; do
        for line in "${SCREEN[@]}"; do
            [[ $line == "$PROMPT"* || $line =~ $ERROR_PATTERN ]] && continue
            [[ " $line " == *[[:space:]]"$word"[[:space:]]* ]] && continue 2
        done
        return 1
    done
}

# options_listed MIN: at least MIN different long options in the listing.
options_listed() {
    local line word words
    local -A seen=()
    for line in "${SCREEN[@]}"; do
        [[ $line == "$PROMPT"* ]] && continue
        read -ra words <<<"$line"
        for word in "${words[@]}"; do
            [[ $word =~ ^--[a-z][a-z-]+$ ]] && seen[$word]=1
        done
    done
    [ ${#seen[@]} -ge "$1" ]
}

# wait_for_case N: polls case N's screen until its check accepts it or an error shows;
# the scaled deadline only guards against a hang.
wait_for_case() {
    local deadline=$((SECONDS + $(scaled 10)))
    while :; do
        read_screen "case$1"
        if "${CASE_CHECK[$1]}" "${CASE_ARG[$1]}" || [ -n "$(screen_errors)" ]; then
            return
        fi
        [ "$SECONDS" -ge "$deadline" ] && return
        sleep 0.05
    done
}

# Types each case's keys once its shell shows the prompt, then checks the cases.
run_cases() {
    local n key
    for n in "${!CASE_DESC[@]}"; do
        [ -z "${CASE_CHECK[n]}" ] && continue
        if ! wait_until 10 prompt_is_last_line "case$n"; then
            fail "${CASE_DESC[n]}: the shell showed no prompt" "the screen:" "${SCREEN[@]:0:30}"
            CASE_CHECK[n]=''
            continue
        fi
        tmux_ send-keys -t "case$n" -l -- "${CASE_TEXT[n]}"
        for key in ${CASE_KEYS[n]}; do
            tmux_ send-keys -t "case$n" "$key"
        done
    done
    for n in "${!CASE_DESC[@]}"; do
        [ -z "${CASE_CHECK[n]}" ] && continue
        wait_for_case "$n"
        if "${CASE_CHECK[n]}" "${CASE_ARG[n]}"; then
            pass
        else
            fail "${CASE_DESC[n]}" "the screen:" "${SCREEN[@]:0:30}"
        fi
        assert_eq "${CASE_DESC[n]}: no error on the screen" "" "$(screen_errors)"
        tmux_ kill-session -t "case$n"
    done
}

# The same cases in each shell.
add_cases() {
    add_case "'fanout --pip<TAB>' completes --pipe" 'fanout --pip' Tab command_line_is 'fanout --pipe'
    add_case "'fanout --hal<TAB>' completes the common prefix of --halt and --halt-on-error" \
        'fanout --hal' Tab command_line_is 'fanout --halt'
    add_case "'fanout --<TAB><TAB>' lists the options" 'fanout --' 'Tab Tab' options_listed 10
    add_case "'fanout --color <TAB><TAB>' lists auto, always and never" 'fanout --color ' 'Tab Tab' \
        listed 'auto always never'
    add_case "'fanout --halt now,s<TAB>' completes the value" 'fanout --halt now,s' Tab \
        command_line_is 'fanout --halt now,success=1'
    # Readline ends a word at '=' (COMP_WORDBREAKS): only what follows the value's own '='
    # may be offered.
    add_case "'fanout --halt=now,success=<TAB>' completes a value with '=' after '='" \
        'fanout --halt=now,success=' Tab command_line_is 'fanout --halt=now,success=1'
    # --cpus-per-task takes a value: what follows it is a number, not the command.
    add_case "'fanout --slurm --cpus-per-task <TAB><TAB>' lists CPU counts" \
        'fanout --slurm --cpus-per-task ' 'Tab Tab' listed '1 2 4 8'
    add_case "'fanout echo :::: args-al<TAB>' completes a file name" 'fanout echo :::: args-al' Tab \
        command_line_is 'fanout echo :::: args-alpha.txt'
    # zsh and fish list descriptions too (bash has none): -S's, whose brackets zsh needs
    # escaped, reads as written.
    if [ "$SHELL_NAME" != bash ]; then
        add_case "'fanout --ssh<TAB>' describes -S with its brackets" 'fanout --ssh' Tab \
            listed '[N/][user@]host[:port]'
    fi
}

# Nothing of the user's environment or configuration reaches the shells.
BASE_ENV=(env -i "HOME=$T/home" "PATH=$T/bin:$PATH" TERM=screen)

# --- bash, with bash-completion as most users have it ----------------------------------
bash_completion=/usr/share/bash-completion/bash_completion
if [ ! -f "$bash_completion" ]; then
    echo "SKIP: bash-completion is not installed: bash completion not tested"
else
    cat >"$T/bashrc" <<EOF
source $(printf %q "$bash_completion")
source $(printf %q "$FANOUT_SRC/completions/fanout.bash")
PS1='$PROMPT '
HISTFILE=
# fanout has over 100 option names: list them all without readline's question or pager.
bind 'set completion-query-items 1000'
bind 'set page-completions off'
EOF
    SHELL_COMMAND=("${BASE_ENV[@]}" bash --noprofile --rcfile "$T/bashrc" -i)
    SHELL_NAME=bash
    add_cases
fi

# --- zsh, compinit with our directory first on fpath ------------------------------------
if ! command -v zsh >/dev/null; then
    echo "SKIP: zsh is not installed: zsh completion not tested"
else
    mkdir -p "$T/zdotdir"
    # compinit reads the first line of every function on fpath, about 1300 files: seconds
    # on a busy machine. It reads only our directory and compinit's own (where _arguments
    # and the other helpers are registered); the rest are marked for autoloading as
    # compinit would.
    cat >"$T/zdotdir/.zshrc" <<EOF
all_fpath=(\$fpath)
fpath=($(printf %q "$FANOUT_SRC/completions") \${^fpath}/compinit(N:h) \${^fpath}/_arguments(N:h))
autoload -Uz compinit && compinit -u -D
autoload -Uz -- \${^all_fpath}/_*(N.:t)
fpath=(\$fpath \$all_fpath)
bindkey -e
# Whole listings, asked for by no question, if they fit on the screen.
LISTMAX=0
PROMPT='$PROMPT '
EOF
    # -d, not -f: the system's startup files are skipped, the fresh ZDOTDIR's are read.
    SHELL_COMMAND=("${BASE_ENV[@]}" "ZDOTDIR=$T/zdotdir" zsh -d -i)
    SHELL_NAME=zsh
    add_cases
fi

# --- fish, our file in the completions directory of a fresh configuration ---------------
if ! command -v fish >/dev/null; then
    echo "SKIP: fish is not installed: fish completion not tested"
else
    mkdir -p "$T/xdg-config/fish/completions" "$T/xdg-data/fish/generated_completions"
    ln -s "$FANOUT_SRC/completions/fanout.fish" "$T/xdg-config/fish/completions/fanout.fish"
    # Autosuggestions would draw a completed line before TAB is pressed. (The
    # generated_completions directory keeps fish from starting a disowned python that
    # turns every man page into completions.)
    cat >"$T/xdg-config/fish/config.fish" <<EOF
set -g fish_greeting
set -g fish_autosuggestion_enabled 0
function fish_prompt
    echo -n '$PROMPT '
end
function fish_right_prompt
end
EOF
    SHELL_COMMAND=("${BASE_ENV[@]}" "XDG_CONFIG_HOME=$T/xdg-config" "XDG_DATA_HOME=$T/xdg-data"
        "XDG_CACHE_HOME=$T/xdg-cache" fish -i)
    SHELL_NAME=fish
    add_cases
fi

run_cases
end_of_tests
