# Hostile values reach the command byte for byte (direct, shell, -q, -X, ::: and files),
# -q runs words as they are, direct execution versus a shell, --shell.
# shellcheck source=lib.sh disable=SC1083,SC2016 # literal braces and unexpanded $ are the point
source "$(dirname "$0")/lib.sh"

# A command that writes each of its arguments followed by NUL.
DUMP="$T/dump"
printf '#!/bin/sh\nfor a in "$@"; do printf "%%s\\0" "$a"; done\n' >"$DUMP"
chmod +x "$DUMP"

# A shell that logs each use, then runs /bin/sh.
FAKESH="$T/fakesh"
printf '#!/bin/sh\necho used >>"%s/fakesh.log"\nexec /bin/sh "$@"\n' "$T" >"$FAKESH"
chmod +x "$FAKESH"

# shellcheck disable=SC1003,SC2088 # the values are literal on purpose
values=(
    'a b' 'a  b' "it's" 'say "hi"' "'" '"' '$(touch PWNED)' '`touch PWNED`' 'a;touch PWNED'
    'a|touch PWNED' 'a&touch PWNED&' 'a&&touch PWNED' $'line1\nline2' $'\n' '-n' '-e' '--help'
    '--' '*' '?' '[ab]' '~' '~/x' '~root' $'\xff\xfe' $'\xc3' $'tab\there' $'\t' 'back\slash'
    'two\\back' '\n' '\' '$HOME' '${HOME}' '$1' '$@' '{}' '{1}' '{#}' '{.}' '!' '!!' '#hash'
    ' lead' 'trail ' '%s%d' '>out' '<in' '2>err' '(x)' '{a,b}' '$((1+2))' $'cr\r' $'\x01ctl'
    'äöü' 'a=b' 'IFS=x' 'x y z' '^' '%' ':'
)
# Values that would mean something else after ':::' on the command line.
stdin_only=(':::' '::::')

printf '%s\0' "${values[@]}" "${stdin_only[@]}" >hostile.nul
# Newlines are tested through -0 input only: on the command line GNU parallel splits them.
arg_values=()
for v in "${values[@]}"; do
    [[ $v == *$'\n'* ]] || arg_values+=("$v")
done
printf '%s\0' "${arg_values[@]}" >hostile_args.nul
# Expected output when each value is wrapped as pre{}post.
printf 'pre%spost\0' "${values[@]}" "${stdin_only[@]}" >hostile_wrapped.nul

check_bytes() { # DESC EXPECTED_FILE FANOUT-ARGS...
    local desc=$1 expected=$2
    shift 2
    fresh_dir "work$((RUN_N + 1))"
    run --stdin "$T/hostile.nul" "$FANOUT" "$@"
    assert_status "$desc: exit status" 0
    assert_file_eq "$desc: every value arrives byte for byte" "$T/$expected" "$OUT_FILE"
    assert_eq "$desc: no file created by the values" "" "$(ls -A)"
    cd "$T" || exit 1
}

# --- direct mode (no shell) ---------------------------------------------------------
check_bytes "direct, appended" hostile.nul -0 -k "$DUMP"
check_bytes "direct, {}" hostile.nul -0 -k "$DUMP" {}
check_bytes "direct, pre{}post" hostile_wrapped.nul -0 -k "$DUMP" pre{}post
check_bytes "direct, -X" hostile.nul -0 -k -j1 -X "$DUMP"
check_bytes "direct, -n 3" hostile.nul -0 -k -n 3 "$DUMP"

# --- shell mode ---------------------------------------------------------------------
check_bytes "shell, printf {} | cat" hostile.nul -0 -k "printf '%s\\0' {} | cat"
check_bytes "shell, dump {} | cat" hostile.nul -0 -k "$DUMP {} | cat"
check_bytes "shell, pre{}post" hostile_wrapped.nul -0 -k "printf '%s\\0' pre{}post | cat"
check_bytes "shell, appended" hostile.nul -0 -k "cat /dev/null; $DUMP"
check_bytes "shell, -X" hostile.nul -0 -k -j1 -X "$DUMP {} | cat"
check_bytes "shell, --shell /bin/bash" hostile.nul -0 -k --shell /bin/bash "printf '%s\\0' {} | cat"

# --- -q -----------------------------------------------------------------------------
check_bytes "-q printf" hostile.nul -0 -k -q printf '%s\0'
check_bytes "-q dump {}" hostile.nul -0 -k -q "$DUMP" {}

# --- other sources -------------------------------------------------------------------
fresh_dir args
run "$FANOUT" -k "$DUMP" ::: "${arg_values[@]}"
assert_file_eq "::: values arrive byte for byte" "$T/hostile_args.nul" "$OUT_FILE"
run "$FANOUT" -k "printf '%s\\0' {} | cat" ::: "${arg_values[@]}"
assert_file_eq "::: values arrive byte for byte (shell)" "$T/hostile_args.nul" "$OUT_FILE"
run "$FANOUT" -0 -k "$DUMP" :::: "$T/hostile.nul"
assert_file_eq ":::: -0 file values arrive byte for byte" "$T/hostile.nul" "$OUT_FILE"
run "$FANOUT" -0 -k -a "$T/hostile.nul" "$DUMP" {}
assert_file_eq "-a -0 file values arrive byte for byte" "$T/hostile.nul" "$OUT_FILE"
run "$FANOUT" -k "$DUMP" {2} {1} ::: "${arg_values[@]:0:20}" ::: '$(touch PWNED)'
assert_eq "positional {2} {1} with hostile values: 20 jobs" 40 "$(tr -cd '\0' <"$OUT_FILE" | wc -c)"
assert_eq "no file created by ::: values" "" "$(ls -A)"
cd "$T" || exit 1

# --- --dry-run prints commands a shell reads back as the same bytes ---------------------
fresh_dir dry
run --stdin "$T/hostile.nul" "$FANOUT" --dry-run -0 -k "$DUMP"
assert_status "--dry-run with hostile values: exit status" 0
assert_eq "--dry-run ran nothing" "" "$(ls -A)"
cp "$OUT_FILE" "$T/dry.sh"
(cd "$T" && mkdir replay && cd replay && sh "$T/dry.sh" >"$T/replayed.nul")
assert_file_eq "--dry-run output, run by sh, reproduces every value" "$T/hostile.nul" "$T/replayed.nul"
assert_eq "running the --dry-run output created no file" "" "$(ls -A "$T/replay")"
run --stdin "$T/hostile.nul" "$FANOUT" --dry-run -0 -k "printf '%s\\0' {} | cat"
cp "$OUT_FILE" "$T/dry_shell.sh"
(cd "$T/replay" && sh "$T/dry_shell.sh" >"$T/replayed_shell.nul")
assert_file_eq "--dry-run of a shell command reproduces every value" "$T/hostile.nul" "$T/replayed_shell.nul"
cd "$T" || exit 1

assert_no_file "no PWNED file anywhere" "$T/PWNED" "$T"/*/PWNED

# --- -q: the words as they are, never a shell -------------------------------------------
run "$FANOUT" -q sh -c 'echo "$0"' ::: 'a b'
assert_eq "-q sh -c 'echo \"\$0\"' ::: 'a b' prints a b" "a b" "$OUT"
run "$FANOUT" --quote sh -c 'echo "$0"' ::: 'a b'
assert_eq "--quote is -q" "a b" "$OUT"
run "$FANOUT" sh -c 'echo "$0"' ::: 'a b'
assert_status "without -q: exit status" 0
assert_ne "without -q the words are one shell command line (the script is just 'echo')" "a b" "$OUT"
assert_eq "without -q: sh -c echo ... prints an empty line" "" "$OUT"
run "$FANOUT" -q echo '|' 'a;b' '$HOME' '*' ::: x
assert_eq "-q: metacharacters in the command words are literal" '| a;b $HOME * x' "$OUT"
run "$FANOUT" --shell "$FAKESH" -q echo 'a|b' ::: x
assert_no_file "-q never uses the shell" "$T/fakesh.log"

# --- without -q, the words form one shell command line ------------------------------------
run "$FANOUT" -k echo 'a;' echo b ::: c
assert_eq "a ';' word separates commands" $'a\nb c' "$OUT"
run "$FANOUT" 'echo "$((2*3))"' ::: x
assert_eq "a one-word shell command" "6 x" "$OUT"

# --- direct execution versus the shell --------------------------------------------------
rm -f "$T/fakesh.log"
run "$FANOUT" echo hi ::: a
assert_eq "a simple command runs" "hi a" "$OUT"
run "$FANOUT" "$DUMP" ::: '$(x) | y; z'
assert_eq "metacharacters in the values do not bring in a shell" '$(x) | y; z' "$(tr -d '\0' <"$OUT_FILE")"
run --input $'echo hi\n' "$FANOUT"
assert_eq "a simple task-list line runs" "hi" "$OUT"
run "$FANOUT" --shell "$FAKESH" echo hi ::: a
assert_eq "--shell: a simple command runs" "hi a" "$OUT"
assert_file_exists "--shell runs even a command without metacharacters through that shell" "$T/fakesh.log"
rm -f "$T/fakesh.log"
run --input $'echo hi\n' "$FANOUT" --shell "$FAKESH"
assert_eq "--shell: a simple task-list line runs" "hi" "$OUT"
assert_file_exists "--shell: a simple task-list line runs through that shell" "$T/fakesh.log"
rm -f "$T/fakesh.log"
run "$FANOUT" --shell "$FAKESH" 'echo hi {} | cat' ::: a
assert_eq "--shell PATH runs a command that needs a shell" "hi a" "$OUT"
assert_file_exists "--shell PATH: a command with a pipe uses that shell" "$T/fakesh.log"
rm -f "$T/fakesh.log"
run --input $'echo hi > /dev/null; echo there\n' "$FANOUT" --shell "$FAKESH"
assert_eq "a task-list line with ';' runs" "there" "$OUT"
assert_file_exists "a task-list line with ';' uses the shell" "$T/fakesh.log"

run "$FANOUT" --shell /bin/bash 'echo $((1+2)) ${BASH_VERSION:+bash}' ::: x
assert_status "--shell /bin/bash: exit status" 0
assert_eq "--shell /bin/bash runs bash" "3 bash x" "$OUT"
if [ -z "$(/bin/sh -c 'echo ${BASH_VERSION:+bash}')" ]; then
    run "$FANOUT" 'echo $((1+2)) ${BASH_VERSION:+bash}' ::: x
    assert_eq "the default shell is /bin/sh (not bash here)" "3 x" "$OUT"
fi

end_of_tests
