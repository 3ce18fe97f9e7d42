#!/usr/bin/env bash
# docs_test: every option that `fanout --help` lists is documented in man/fanout.1
# (in its OPTIONS section) and completed by completions/fanout.bash, completions/_fanout
# and completions/fanout.fish; --version prints a version; the man page renders without
# errors or groff warnings; the completion files load in their shells.
#
# Run by ctest with FANOUT (the built binary) and FANOUT_SRC (the source root). Point
# FANOUT_SRC at a copy of the tree to check edited documents.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
set -o pipefail

man_page=$FANOUT_SRC/man/fanout.1
bash_completion=$FANOUT_SRC/completions/fanout.bash
zsh_completion=$FANOUT_SRC/completions/_fanout
fish_completion=$FANOUT_SRC/completions/fanout.fish

note() { printf 'docs_test: %s\n' "$*"; }

scratch=$T

# --- The options, as --help shows them -------------------------------------------------

# Prints each option name of a help text, one per line. An option line is indented a
# little and starts with a dash; its names come first, separated by commas
# ("-j,-P,--jobs N", or "-j, -P, --jobs N"), then the value's name and the description.
help_options()
{
    local line rest
    while IFS= read -r line; do
        [[ $line =~ ^[[:space:]]{1,8}- ]] || continue
        rest=${line#"${line%%[![:space:]]*}"}
        while [[ $rest =~ ^(--?[A-Za-z0-9][A-Za-z0-9-]*)(,[[:space:]]*|[[:space:]]|$) ]]; do
            printf '%s\n' "${BASH_REMATCH[1]}"
            rest=${rest:${#BASH_REMATCH[0]}}
            [[ ${BASH_REMATCH[2]} == ,* ]] || break
        done
    done
}

if ! "$FANOUT" --help >"$scratch/help" 2>"$scratch/help.err"; then
    fail "'fanout --help' failed: $(head -c 500 "$scratch/help.err")"
fi
mapfile -t options < <(help_options <"$scratch/help" | sort -u)

# Guard against a help format this parser no longer understands: an empty list would
# make every check below pass.
listed() { printf '%s\n' "${options[@]}" | grep -qxe "$1"; }
for expected in --help --version --jobs -j; do
    assert_true "'fanout --help' lists $expected (else the help format has changed)" listed "$expected"
done
assert_ge "options found in 'fanout --help' (${options[*]:-none})" 10 "${#options[@]}"
note "${#options[@]} options in --help: ${options[*]}"

# --- Patterns ---------------------------------------------------------------------------

# An option written plainly, not as part of a longer option ("-t" is not in "--tag").
plain_pattern() { printf '(^|[^-A-Za-z0-9_])%s([^A-Za-z0-9_-]|$)' "$1"; }

# An option as roff writes it, every dash escaped ("\-\-arg\-file"). Before it: not the
# dash of an escape (so "\-t" in "\-\-tag" does not count); after it: neither a name
# character nor another "\-".
roff_pattern()
{
    local escaped=${1//-/'\\-'}
    printf '(^|[^-])%s([^A-Za-z0-9_\\-]|\\[^-]|$)' "$escaped"
}

# Fish names options without their dashes: "-s j", "-l jobs" (or --short-option=j,
# --long-option=jobs, -o for old-style long options).
fish_pattern()
{
    local name=$1 flags
    if [[ $name == --* ]]; then
        name=${name#--}
        flags='-l|--long-option|-o|--old-option'
    else
        name=${name#-}
        flags='-s|--short-option'
    fi
    printf '(^|[[:space:]])(%s)([[:space:]]+|=)[\x27"]?%s([\x27"[:space:]]|$)' "$flags" "$name"
}

# --- Man page ---------------------------------------------------------------------------

if [[ ! -f $man_page ]]; then
    fail "missing man page $man_page"
else
    # Only the OPTIONS section counts: a mention in an example documents nothing.
    sed -n '/^\.SH  *"\{0,1\}OPTIONS"\{0,1\} *$/,/^\.SH /p' "$man_page" >"$scratch/man-options"
    if [[ ! -s $scratch/man-options ]]; then
        fail "man/fanout.1 has no OPTIONS section"
    fi
    for option in "${options[@]}"; do
        assert_true "man/fanout.1: option $option is documented in the OPTIONS section" \
            grep -Eq -e "$(roff_pattern "$option")" -e "$(plain_pattern "$option")" "$scratch/man-options"
    done

    if command -v groff >/dev/null; then
        if ! groff -man -Tutf8 -ww -z "$man_page" >"$scratch/groff.out" 2>&1; then
            fail "groff failed on man/fanout.1: $(head -c 2000 "$scratch/groff.out")"
        elif [[ -s $scratch/groff.out ]]; then
            fail "groff -ww reports problems in man/fanout.1:"$'\n'"$(head -c 2000 "$scratch/groff.out")"
        fi
    else
        note "groff not installed: skipping the warning check"
    fi

    if command -v man >/dev/null; then
        if ! MANPAGER=cat PAGER=cat MANWIDTH=80 man -l "$man_page" >"$scratch/man.out" 2>"$scratch/man.err"; then
            fail "man -l man/fanout.1 failed: $(head -c 2000 "$scratch/man.err")"
        elif grep -q 'minimized' "$scratch/man.out"; then
            note "man is a stub on this minimized system: skipping the rendering check"
        else
            if grep -Eiv 'locale' "$scratch/man.err" | grep -Eiq 'warning|error|troff'; then
                fail "man -l man/fanout.1 complains:"$'\n'"$(head -c 2000 "$scratch/man.err")"
            fi
            for heading in NAME SYNOPSIS DESCRIPTION OPTIONS 'EXIT STATUS' EXAMPLES 'SEE ALSO'; do
                if ! grep -q "^$heading" "$scratch/man.out"; then
                    fail "man -l man/fanout.1: the rendered page has no $heading section"
                fi
            done
        fi
    else
        note "man not installed: skipping the rendering check"
    fi
fi

# --- Completion files -------------------------------------------------------------------

check_completion()
{
    local file=$1 kind=$2 option pattern
    if [[ ! -f $file ]]; then
        fail "missing completion file $file"
        return
    fi
    for option in "${options[@]}"; do
        if [[ $kind == fish ]]; then
            pattern=$(fish_pattern "$option")
        else
            pattern=$(plain_pattern "$option")
        fi
        assert_true "${file#"$FANOUT_SRC"/}: option $option is completed" grep -Eq -e "$pattern" "$file"
    done
}

check_completion "$bash_completion" bash
check_completion "$zsh_completion" zsh
check_completion "$fish_completion" fish

# Prints each option that is not one of the lines of file $1.
missing_from()
{
    local option
    for option in "${options[@]}"; do
        grep -qxFe "$option" "$1" || printf '%s\n' "$option"
    done
}

# Each file must at least load in its own shell; where the shell can be driven without a
# terminal, what it offers after "fanout -" must be every option.
if [[ -f $bash_completion ]]; then
    if ! bash -c 'source "$1" && complete -p fanout' _ "$bash_completion" >"$scratch/bash.out" 2>&1; then
        fail "completions/fanout.bash does not load in bash: $(head -c 2000 "$scratch/bash.out")"
    elif ! bash -c '
        source "$1"
        func=$(complete -p fanout | sed -n "s/.*-F \([^ ]*\).*/\1/p")
        COMP_LINE="fanout -"; COMP_POINT=${#COMP_LINE}; COMP_WORDS=(fanout -); COMP_CWORD=1
        "$func" fanout - fanout 2>/dev/null
        printf "%s\n" "${COMPREPLY[@]}"' _ "$bash_completion" >"$scratch/bash.offered" 2>&1; then
        fail "completions/fanout.bash: completing 'fanout -' failed: $(head -c 2000 "$scratch/bash.offered")"
    else
        assert_eq "completions/fanout.bash: 'fanout -<TAB>' offers every option (the missing ones)" \
            "" "$(missing_from "$scratch/bash.offered" | xargs)"
    fi
fi
if [[ -f $zsh_completion ]]; then
    if ! head -n 1 "$zsh_completion" | grep -q '^#compdef fanout'; then
        fail "completions/_fanout does not start with '#compdef fanout'"
    fi
    if command -v zsh >/dev/null; then
        if ! zsh -n "$zsh_completion" >"$scratch/zsh.out" 2>&1; then
            fail "completions/_fanout does not parse in zsh: $(head -c 2000 "$scratch/zsh.out")"
        fi
    else
        note "zsh not installed: skipping its parse check"
    fi
fi
if [[ -f $fish_completion ]]; then
    if command -v fish >/dev/null; then
        if ! fish -n "$fish_completion" >"$scratch/fish.out" 2>&1; then
            fail "completions/fanout.fish does not parse in fish: $(head -c 2000 "$scratch/fish.out")"
        elif ! fish --no-config -c 'source $argv[1]; complete -C"fanout -"' "$fish_completion" \
            >"$scratch/fish.offered" 2>&1; then
            fail "completions/fanout.fish: completing 'fanout -' failed: $(head -c 2000 "$scratch/fish.offered")"
        else
            cut -f1 "$scratch/fish.offered" >"$scratch/fish.words"
            assert_eq "completions/fanout.fish: 'fanout -<TAB>' offers every option (the missing ones)" \
                "" "$(missing_from "$scratch/fish.words" | xargs)"
        fi
    else
        note "fish not installed: skipping its parse check"
    fi
fi

# --- --version --------------------------------------------------------------------------

run "$FANOUT" --version
assert_status "fanout --version: exit status" 0
assert_match "fanout --version prints 'fanout X.Y.Z'" '^fanout [0-9]+\.[0-9]+(\.[0-9]+)?([-+.~][0-9A-Za-z.+~-]*)?$' "$OUT"

end_of_tests
