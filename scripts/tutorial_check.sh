#!/usr/bin/env bash
# tutorial_check.sh - measure fanout against GNU parallel's own tutorial and
# examples (issue #16's yardstick: "examples that use only what fanout claims
# give GNU parallel's output").  A measurement, not a test: CI does not run it.
#
# Usage: FANOUT=/path/to/fanout scripts/tutorial_check.sh [-v] [TIMEOUT_SECONDS]
#
# What it does:
#  * extracts every verbatim block from the installed man pages
#    parallel_tutorial(7) and parallel_examples(7) (the .Vb/.Ve blocks);
#  * runs the tutorial's setup blocks (blocks that do not call parallel but
#    create files, e.g. "perl -e ... > num8") once in a scratch directory, and
#    collects blocks that define shell functions or variables into a prelude
#    that is sourced before every later example;
#  * for each block that invokes `parallel`, runs it in a fresh copy of the
#    scratch directory, stdin from /dev/null, under bash with a timeout,
#    first with GNU parallel (a wrapper named parallel on PATH running
#    `parallel --will-cite`), then with fanout (a wrapper named parallel on
#    PATH exec'ing $FANOUT), SEQUENTIALLY;
#  * classifies each example:
#      match    same exit code and same stdout (sorted, when the command does
#               not ask for order with -k/--keep-order/-j1 and only the order
#               differs);
#      refused  fanout exited 255 with exactly one line on stderr, or (in a block of
#               several commands) printed its one-line usage error;
#      differ   anything else (listed with both outputs, shortened);
#      skipped  needs ssh/remote hosts, internet, sql, a terminal, a tool not
#               installed here (GNU exits 127 / "command not found"), GNU
#               timed out (never counted against fanout), or GNU's own output
#               is not reproducible (a second GNU run differs even sorted).
#  * prints "judged N, match M, refused R, differ D, skipped S" (judged =
#    match + refused + differ) and the differing examples.
# -v also lists refusals and skips with their reasons.
set -u
: "${FANOUT:?set FANOUT=/path/to/fanout}"
FANOUT=$(readlink -f "$FANOUT")
VERBOSE=0
if [ "${1:-}" = -v ]; then VERBOSE=1; shift; fi
TMO=${1:-10}
GNU=$(command -v parallel) || { echo "tutorial_check: GNU parallel not installed" >&2; exit 2; }
GNU=$(readlink -f "$GNU")

W=$(mktemp -d "${TMPDIR:-/tmp}/tutorial_check.XXXXXX")
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/gnubin" "$W/fanbin" "$W/setup" "$W/blocks"
printf '#!/bin/sh\nexec %q --will-cite "$@"\n' "$GNU" >"$W/gnubin/parallel"
printf '#!/bin/sh\nexec %q "$@"\n' "$FANOUT" >"$W/fanbin/parallel"
chmod +x "$W/gnubin/parallel" "$W/fanbin/parallel"

# Extract .Vb/.Ve blocks, undoing pod2man's escapes.
extract() { # manpage prefix
    man -w "$1" >/dev/null 2>&1 || { echo "tutorial_check: man page $1 missing" >&2; exit 2; }
    zcat -f "$(man -w "$1")" | awk -v dir="$W/blocks" -v pre="$2" '
        /^\.Vb/ { n++; f = sprintf("%s/%s-%03d", dir, pre, n); p = 1; next }
        /^\.Ve/ { p = 0; close(f); next }
        p && /^\./ { next }
        p {
            s = $0
            sub(/^\\&/, "", s)
            gsub(/\\-/, "-", s); gsub(/\\\*\(Aq/, "\047", s); gsub(/\\\*\(C`/, "", s)
            gsub(/\\\*\(C\047/, "", s); gsub(/\\\*\(L"/, "\"", s); gsub(/\\\*\(R"/, "\"", s)
            gsub(/\\\*\(Ga/, "`", s); gsub(/\\\*\(ga/, "`", s); gsub(/\\\*\(--/, "--", s)
            gsub(/\\\(bu/, "*", s); gsub(/\\ /, " ", s); gsub(/\\e/, "\\", s)
            sub(/^  /, "", s); sub(/^\$ /, "", s)
            print s > f
        }'
}
extract parallel_tutorial tut
extract parallel_examples ex

invokes_parallel() { grep -Eq '(^|[|;&({`[:space:]])parallel([[:space:]]|$)' "$1"; }
skip_reason() {
    local f=$1
    if grep -Eq '(^|[[:space:]])(ssh|wget|curl|lynx|fetch|rsync|scp|mysql|psql|sqlite3|sql)([[:space:]]|$)|--(sshlogin|slf|sshloginfile|nonall|onall|trc|transfer|transferfile|return|cleanup|basefile|bf|controlmaster|filter-hosts|sql|sqlmaster|sqlworker|sqlandworker)\b|(^|[[:space:]])-S[[:space:]]|(^|[[:space:]])-S[^[:space:]]|\$SERVER|://|\.com|\.net|\.org|server' "$f"; then
        echo "remote/internet/sql"; return
    fi
    if grep -Eq -- '--(tty|interactive|fg|tmux|tmuxpane|xapply)\b|(^|[[:space:]])-p([[:space:]]|$)|(^|[[:space:]])(vi|vim|emacs|less|more|top|xterm|firefox|mplayer)([[:space:]]|$)' "$f"; then
        echo "terminal/interactive"; return
    fi
    if grep -Eq 'sudo|shutdown|reboot|/dev/sd|mkfs|--pipepart.*/dev' "$f"; then
        echo "needs root/devices"; return
    fi
}

# Setup: tutorial blocks that do not call parallel, run once in $W/setup;
# definitions (functions, assignments, exports, aliases) go to the prelude.
: >"$W/prelude"
is_definition() { grep -Eq '^[[:space:]]*((export|declare|typeset|alias)[[:space:]]|[A-Za-z_][A-Za-z0-9_]*=[^[:space:]]*$|[A-Za-z_][A-Za-z0-9_-]*[[:space:]]*\(\)|function[[:space:]])' "$1"; }
looks_like_command() { # first word is something bash can run
    local w
    w=$(awk 'NF { print $1; exit }' "$1")
    [ -n "$w" ] && [[ $w != *[!A-Za-z0-9_./=-]* ]] && (cd "$W/setup" && bash -c "type -t -- \"\$1\"" _ "${w%%=*}" >/dev/null 2>&1 || [[ $w == *=* ]])
}

N=0 M=0 R=0 D=0 S=0
DIFFS="" NOTES=""
short() { head -c 300 "$1" | head -n 6 | sed 's/^/      | /'; [ "$(wc -l <"$1")" -gt 6 ] && echo "      | ... ($(wc -l <"$1") lines)"; }

run_one() { # bindir rundir block outprefix
    local rc
    rm -rf "$2"
    cp -r "$W/setup" "$2"
    (cd "$2" && HOME="$2" PATH="$1:$PATH" PARALLEL_HOME="$2/.parallel" \
        setsid timeout -k 2 "$TMO" bash -c 'source "$1" >/dev/null 2>&1; source "$2"' _ "$W/prelude" "$3" \
        </dev/null >"$4.out" 2>"$4.err")
    rc=$?
    echo "$rc" >"$4.rc"
}

# The tutorial's input-file setup (its blocks before the first example, some
# of which use GNU parallel itself to write abc-file and def-file).
for f in "$W"/blocks/tut-*; do
    grep -qx 'parallel echo ::: A B C' "$f" && break
    [ -n "$(skip_reason "$f")" ] && continue
    grep -q '>' "$f" || continue
    (cd "$W/setup" && PATH="$W/gnubin:$PATH" timeout 20 bash "$f" </dev/null >/dev/null 2>&1)
    SETUP_DONE+=" $(basename "$f")"
done

for f in "$W"/blocks/tut-* "$W"/blocks/ex-*; do
    [ -s "$f" ] || continue
    name=$(basename "$f")
    [[ " ${SETUP_DONE:-} " == *" $name "* ]] && continue
    if ! invokes_parallel "$f"; then
        # setup / definition block?  (output blocks start with a non-command)
        [ -n "$(skip_reason "$f")" ] && continue
        if is_definition "$f"; then
            cat "$f" >>"$W/prelude"; echo >>"$W/prelude"
        elif [[ $name == tut-* ]] && looks_like_command "$f" && grep -q '>' "$f"; then
            (cd "$W/setup" && timeout 20 bash "$f" </dev/null >/dev/null 2>&1)
        fi
        continue
    fi
    first=$(grep -m1 -E 'parallel' "$f")
    reason=$(skip_reason "$f")
    if [ -n "$reason" ]; then
        S=$((S + 1)); NOTES+="  skipped $name ($reason): $first"$'\n'; continue
    fi
    run_one "$W/gnubin" "$W/run" "$f" "$W/g1"
    grc=$(cat "$W/g1.rc")
    if [ "$grc" = 124 ] || [ "$grc" = 137 ]; then
        S=$((S + 1)); NOTES+="  skipped $name (GNU over ${TMO}s): $first"$'\n'; continue
    fi
    if [ "$grc" = 127 ] || grep -q 'command not found\|No such file or directory' "$W/g1.err"; then
        S=$((S + 1)); NOTES+="  skipped $name (tool/file missing here: $(head -n1 "$W/g1.err")): $first"$'\n'; continue
    fi
    run_one "$W/fanbin" "$W/run" "$f" "$W/f1"
    frc=$(cat "$W/f1.rc")
    # A refusal: exit 255 with one line, or, in a block of several commands (or one whose
    # output goes on into a pipe), fanout's usage-error line on stderr.
    if { [ "$frc" = 255 ] && [ "$(wc -l <"$W/f1.err")" -le 1 ] && [ -s "$W/f1.err" ]; } ||
        grep -q '^fanout: error: ' "$W/f1.err"; then
        N=$((N + 1)); R=$((R + 1)); NOTES+="  refused $name: $first => $(cat "$W/f1.err")"$'\n'; continue
    fi
    ordered=0
    grep -Eq -- '(^|[[:space:]])(-k|--keep-order|-j ?1|--jobs ?1|-j0?1)([[:space:]]|$)' "$f" && ordered=1
    same() { # a b
        cmp -s "$1" "$2" && return 0
        [ $ordered = 0 ] && cmp -s <(sort "$1") <(sort "$2")
    }
    if [ "$grc" = "$frc" ] && same "$W/g1.out" "$W/f1.out"; then
        N=$((N + 1)); M=$((M + 1)); continue
    fi
    # Is GNU itself reproducible here?
    run_one "$W/gnubin" "$W/run" "$f" "$W/g2"
    if [ "$(cat "$W/g2.rc")" != "$grc" ] || ! cmp -s <(sort "$W/g1.out") <(sort "$W/g2.out"); then
        S=$((S + 1)); NOTES+="  skipped $name (GNU output not reproducible): $first"$'\n'; continue
    fi
    N=$((N + 1)); D=$((D + 1))
    DIFFS+="--- $name (GNU exit $grc, fanout exit $frc)"$'\n'"$(sed 's/^/    $ /' "$f")"$'\n'
    DIFFS+="    GNU stdout:"$'\n'"$(short "$W/g1.out")"$'\n'"    fanout stdout:"$'\n'"$(short "$W/f1.out")"$'\n'
    [ -s "$W/f1.err" ] && DIFFS+="    fanout stderr:"$'\n'"$(short "$W/f1.err")"$'\n'
done

echo "tutorial_check: FANOUT=$FANOUT, GNU $("$GNU" --version | head -n1), timeout ${TMO}s"
echo "judged $N, match $M, refused $R, differ $D, skipped $S"
if [ -n "$DIFFS" ]; then echo; echo "Differing examples:"; printf '%s' "$DIFFS"; fi
if [ $VERBOSE = 1 ] && [ -n "$NOTES" ]; then echo; echo "Refused and skipped:"; printf '%s' "$NOTES"; fi
exit 0
