# Hostile file names: every byte 1-255 but '/', newlines, quotes, backticks, `$(...)`,
# names that look like options, a 255-byte name, leading and trailing spaces and invalid
# UTF-8, found by `find -print0` and passed through `fanout -0` in direct mode, in shell
# mode and with -X. Each name must reach the command byte for byte, as one argument, and
# none may run as code.
# shellcheck source=lib.sh disable=SC1083,SC2016 # literal braces and unexpanded $ are the point
source "$(dirname "$0")/lib.sh"

export LC_ALL=C

# A command that writes each of its arguments followed by NUL.
DUMP="$T/dump"
printf '#!/bin/sh\nfor a in "$@"; do printf "%%s\\0" "$a"; done\n' >"$DUMP"
chmod +x "$DUMP"

# --- the names -------------------------------------------------------------------------
NAMES="$T/names"
mkdir "$NAMES"
names=()
for byte in $(seq 1 255); do
    [ "$byte" -eq 47 ] && continue
    printf -v char '%b' "\\x$(printf %02x "$byte")"
    # The byte alone (but "." is this directory), and the byte inside a name.
    [ "$byte" -ne 46 ] && names+=("$char")
    names+=("x${char}y")
done
long=$(printf 'L%.0s' $(seq 255))
# (Single characters come from the loop above; these are all distinct from them.)
# shellcheck disable=SC1003 # literal backslashes on purpose
names+=(
    $'line1\nline2' $'\n\n' $'trailing newline\n' '$(touch PWNED)' '`touch PWNED`' "\$(touch PWNED)\`touch PWNED\`"
    'a;touch PWNED' 'a|touch PWNED' 'a&&touch PWNED' "it's" 'say "hi"' "''" '""' '-rf' '--' '-n' '--help'
    "$long" ' lead' 'trail ' '  both  ' $'\xff\xfe' $'\xc3\x28' $'\xed\xa0\x80' $'\xf8\x88\x80\x80\x80' 'äöü'
    '{}' '{.}' '{#}' '{1}' ':::' '::::' '[a]' '~root' '$HOME' '${HOME}' 'back\slash' '\\' '\n'
    $'tab\there' $'cr\r' $'\x1b[31mred' '>out' '<in' '2>&1' '#hash' '!!' 'a=b'
)
for name in "${names[@]}"; do
    : >"$NAMES/$name" || echo "NOTE: could not create $(printf %q "$name")"
done
assert_eq "every name became a file" "${#names[@]}" "$(find "$NAMES" -mindepth 1 -printf x | wc -c)"
assert_eq "the 255-byte name is there" 255 "${#long}"

# find's output, NUL-terminated: full paths, and bare names (so "-rf" stays "-rf").
find "$NAMES" -mindepth 1 -print0 >paths.nul
(cd "$NAMES" && find . -mindepth 1 -printf '%P\0') >bare.nul
count=$(tr -cd '\0' <paths.nul | wc -c)
assert_eq "find lists every name" "${#names[@]}" "$count"

# check_bytes DESC EXPECTED_FILE INPUT_FILE FANOUT-ARGS...: run in $NAMES, compare the
# output with EXPECTED_FILE byte for byte; nothing but the names may be in $NAMES after.
check_bytes() {
    local desc=$1 expected=$2 input=$3
    shift 3
    cd "$NAMES" || exit 1
    run --stdin "$T/$input" "$FANOUT" "$@"
    cd "$T" || exit 1
    assert_status "$desc: exit status" 0
    assert_file_eq "$desc: every name arrives byte for byte" "$T/$expected" "$OUT_FILE"
    assert_eq "$desc: nothing on stderr" "" "$ERR"
    assert_eq "$desc: no new file" "$count" "$(find "$NAMES" -mindepth 1 -printf x | wc -c)"
}

# --- direct mode (no shell) ---------------------------------------------------------
check_bytes "direct, paths, appended" paths.nul paths.nul -0 -k "$DUMP"
check_bytes "direct, bare names, appended" bare.nul bare.nul -0 -k "$DUMP"
check_bytes "direct, bare names, {}" bare.nul bare.nul -0 -k "$DUMP" {}
check_bytes "direct, -q printf '%s\\0'" paths.nul paths.nul -0 -k -q printf '%s\0'
check_bytes "direct, -X" bare.nul bare.nul -0 -k -j1 -X "$DUMP"
check_bytes "direct, -X, -j4 (several batches)" bare.nul bare.nul -0 -k -j4 -X -s 2000 "$DUMP"

# --- shell mode ---------------------------------------------------------------------
check_bytes "shell, printf {} | cat" paths.nul paths.nul -0 -k "printf '%s\\0' {} | cat"
check_bytes "shell, bare names, printf {} | cat" bare.nul bare.nul -0 -k "printf '%s\\0' {} | cat"
check_bytes "shell, appended" bare.nul bare.nul -0 -k "true; $DUMP"
check_bytes "shell, -X" bare.nul bare.nul -0 -k -j1 -X "printf '%s\\0' {} | cat"
if locale -a 2>/dev/null | grep -qix 'c\.utf-\?8'; then
    # Invalid UTF-8 in a UTF-8 locale: quoting must not care.
    LC_ALL=C.UTF-8 check_bytes "shell, LC_ALL=C.UTF-8" bare.nul bare.nul -0 -k "printf '%s\\0' {} | cat"
    LC_ALL=C.UTF-8 check_bytes "shell, LC_ALL=C.UTF-8, -X" bare.nul bare.nul -0 -k -j1 -X "printf '%s\\0' {} | cat"
else
    echo "SKIP: no C.UTF-8 locale: the UTF-8 locale cases did not run"
fi
check_bytes "shell, --shell /bin/bash" bare.nul bare.nul -0 -k --shell /bin/bash "printf '%s\\0' {} | cat"

# --- real commands on the files ------------------------------------------------------
# ls prints each name as it is (stdout is not a terminal), one per line.
tr '\0' '\n' <bare.nul >bare.lines
check_bytes "direct, ls -d --" bare.lines bare.nul -0 -k ls -d --
check_bytes "shell, ls -d -- {}" bare.lines bare.nul -0 -k 'ls -d -- {} | cat'
# stat sees each name as one existing file.
cd "$NAMES" || exit 1
run --stdin "$T/bare.nul" "$FANOUT" -0 -j4 'test -f {} && test -f ./{}'
cd "$T" || exit 1
assert_status "shell, test -f {}: every name is one existing file" 0

# cp -- {} {}.copy: every copy exists (the 255-byte name has no room for ".copy": its
# copy goes to another directory, as every name's does in a second run).
grep -zv "^$long\$" bare.nul >short.nul
cd "$NAMES" || exit 1
run --stdin "$T/short.nul" "$FANOUT" -0 -j4 cp -- {} {}.copy
cd "$T" || exit 1
assert_status "cp -- {} {}.copy: exit status" 0
assert_eq "cp -- {} {}.copy: nothing on stderr" "" "$ERR"
missing=0
while IFS= read -r -d '' name; do
    [ -f "$NAMES/$name.copy" ] || missing=$((missing + 1))
done <short.nul
assert_eq "cp -- {} {}.copy: every copy exists" 0 "$missing"
assert_eq "cp -- {} {}.copy: as many copies as names" "$(tr -cd '\0' <short.nul | wc -c)" \
    "$(find "$NAMES" -mindepth 1 -name '*.copy' -printf x | wc -c)"
mkdir "$T/copies"
cd "$NAMES" || exit 1
run --stdin "$T/bare.nul" "$FANOUT" -0 -j4 'cp -- {} ../copies/{}'
cd "$T" || exit 1
assert_status "cp -- {} ../copies/{} (shell): exit status" 0
(cd "$T/copies" && find . -mindepth 1 -printf '%P\0' | sort -z) >copies.sorted
sort -z bare.nul >bare.sorted
assert_file_eq "cp -- {} ../copies/{}: the copies have exactly the names" bare.sorted copies.sorted

# --- nothing ran as code ---------------------------------------------------------------
assert_eq "no PWNED file anywhere under the test directory" "" "$(find "$T" -name 'PWNED*')"
assert_no_file "no PWNED file in / /tmp or \$HOME" /PWNED /tmp/PWNED "${HOME:-/root}/PWNED"

end_of_tests
