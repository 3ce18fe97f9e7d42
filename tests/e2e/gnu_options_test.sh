#!/usr/bin/env bash
# gnu_options_test: nothing of GNU parallel's command line passes through silently.
# Every option of the installed GNU parallel (its man page's OPTIONS entries and
# `parallel --help`), every replacement-string form and every input-source marker its
# man page lists, is either in the accepted list below (naming the test that covers it)
# or refused by fanout before any job starts: exit 255, exactly one line on stderr that
# names it, and the job (which would create a file) never ran.
#
# The list of GNU's options is read at test time from the man page
# (/usr/share/man/man1/parallel.1.gz) and `parallel --help`; without them (GNU parallel
# not installed) the script checks the refusals it knows by itself and says so.
# shellcheck source=lib.sh disable=SC1083 # literal braces are the point
source "$(dirname "$0")/lib.sh"

GNU_MAN=/usr/share/man/man1/parallel.1.gz

# Options fanout takes, each with the test that covers it ("docs" where only the help,
# man page and completions check the spelling).
declare -A accepted=(
    [-0]=differential [--null]=differential [-a]=differential [--arg-file]=differential
    [-d]=differential [--delimiter]=differential [-C]=colsep [--colsep]=colsep
    [--link]=differential [--xapply]=differential [-E]=differential [-e]=differential [--eof]=differential
    [-r]=differential [--no-run-if-empty]=differential [--csv]=columns [--trim]=columns
    [-I]=differential [-i]=differential [--replace]=differential [--er]=differential [--extensionreplace]=differential [--bnr]=differential
    [--basenamereplace]=differential [--dnr]=differential [--dirnamereplace]=differential
    [--bner]=differential [--basenameextensionreplace]=differential [--seqreplace]=differential
    [--slotreplace]=differential [--rpl]=perl [-n]=differential [--max-args]=differential [-N]=differential [-L]=differential [-l]=differential [--max-lines]=differential
    [--max-replace-args]=differential [-X]=differential [-m]=differential [--xargs]=differential [-s]=differential [--max-chars]=differential
    [-q]=differential [--quote]=differential [--plus]=differential
    [-j]=differential [-P]=differential [--jobs]=differential [--max-procs]=differential [--process-slot-var]=differential
    [--load]=ci [--memfree]=ci [--dry-run]=differential [-t]=differential
    [--verbose]=differential [--timeout]=differential [--term-seq]=signals
    [--retries]=differential [--delay]=differential [--halt]=differential
    [--halt-on-error]=differential
    [--group]=differential [-k]=differential [--keep-order]=differential
    [--line-buffer]=differential [--lb]=differential [-u]=differential [--ungroup]=differential
    [--color]=ci [--tag]=differential [--tagstring]=differential
    [--joblog]=differential [--jl]=differential [--resume]=reports [--resume-failed]=reports
    [--results]=results [--res]=gnu_options [--files]=results [--output-as-files]=results
    [--outputasfiles]=results [--progress]=reports [--bar]=reports [--eta]=reports
    [--pipe]=pipe [--spreadstdin]=pipe [--block]=pipe [--block-size]=pipe [--recend]=pipe
    [--recstart]=pipe [--regexp]=regexp [--header]=columns [--round-robin]=pipe [--round]=docs
    [-S]=remote [--sshlogin]=remote [--sshloginfile]=remote [--slf]=remote [--ssh]=remote
    [--env]=remote [--workdir]=remote [--wd]=remote [--transferfile]=remote [--tf]=remote
    [--transfer]=remote [--return]=remote [--cleanup]=remote [--trc]=remote
    [--semaphore]=semaphore [--semaphore-name]=semaphore [--id]=semaphore [--fg]=semaphore
    [--bg]=semaphore [--wait]=semaphore [--semaphore-timeout]=semaphore [--st]=semaphore
    [--tmpdir]=differential [-h]=docs [--help]=docs [-V]=docs [--version]=docs
    # replacement strings and input-source markers
    ['{}']=differential ['{.}']=differential ['{/}']=differential ['{//}']=differential
    ['{/.}']=differential ['{#}']=differential ['{%}']=differential ['{n}']=differential
    ['{n.}']=differential ['{n/}']=differential ['{n//}']=differential ['{n/.}']=differential
    ['{= s:a:b: =}']=perl ['{=n  s:a:b: =}']=perl
    [':::']=differential ['::::']=differential [':::+']=differential ['::::+']=differential
)

# GNU's option names: the man page's entries, then the usage lines of --help.
gnu_names() {
    zcat "$GNU_MAN" | sed -n 's/^\.IP "\\fB\(\\-[^\\]*\(\\-[^\\]*\)*\)\\fR.*/\1/p' | sed 's/\\-/-/g'
    parallel --will-cite --help 2>/dev/null | sed -n 's/^\(--\?[A-Za-z0-9][-A-Za-z0-9_]*\).*/\1/p'
}

# The replacement strings and markers of the man page, as one word each: "{n/}".
gnu_forms() {
    zcat "$GNU_MAN" | sed -n 's/^\.IP "\\fB\([{:][^"]*\)" 4$/\1/p' |
        sed 's/\\f[BIRP]//g; s/perl expression/ s:a:b: /; s/ *arguments$//; s/ *argfiles$//; s/\\-/-/g'
}

# refused WORD ARGS...: `fanout ARGS` is refused with one line naming WORD, no job run.
refused() {
    local word=$1
    shift
    rm -f "$T/ran"
    run "$FANOUT" "$@"
    assert_status "$word: refused with exit status 255" 255
    assert_eq "$word: exactly one line on stderr" 1 "$(line_count "$ERR_FILE")"
    assert_contains "$word: stderr names it" "$word" "$ERR"
    assert_no_file "$word: no job ran" "$T/ran"
}

if [[ -r $GNU_MAN ]] && have parallel; then
    mapfile -t names < <(gnu_names | sort -u)
    assert_ge "GNU options found in its man page and --help" 150 "${#names[@]}"
    for name in "${names[@]}"; do
        [[ -n ${accepted[$name]:-} ]] && continue
        refused "$name" "$name" touch "$T/ran" ::: x
    done
    mapfile -t forms < <(gnu_forms | sort -u)
    assert_ge "GNU replacement strings and markers found in its man page" 15 "${#forms[@]}"
    for form in "${forms[@]}"; do
        [[ -n ${accepted[$form]:-} ]] && continue
        case $form in
        *) fail "a GNU form neither accepted nor refused by this test: $form" ;;
        esac
    done
else
    echo "SKIP: GNU parallel or its man page is not installed: its option list not checked"
fi

# Known by name, GNU parallel or not.
refused "--fifo" --fifo touch "$T/ran" ::: x
refused "-v" -kv touch "$T/ran" ::: x
refused "--nice" --nice=5 touch "$T/ran" ::: x
refused "--parens" --parens '[[]]' touch "$T/ran" ::: x
refused ":::+" -a /dev/null -k touch "$T/ran" ::: a :::+ b
# An option fanout does not take is named first, whatever else on the line is wrong
# without it (GNU's examples: --block and -a belong to --pipe-part there).
refused "--pipe-part" --pipe-part --block 100M -a /dev/null touch "$T/ran"
refused "--pipe-part" --pipe-part -a /dev/null --block -1 touch "$T/ran"
refused "--shuf" --shuf --joblog-format x touch "$T/ran" ::: a
# --plus strings built on ssh hosts, and positional forms of its counters (GNU replaces
# {2##} with argument 21's value).
for form in '{host}' '{sshlogin}' '{hgrp}' '{agrp}' '{2##}' '{30#}' '{-1slot}'; do
    refused "$form" --plus -k touch "$T/ran" "x$form" ::: a
done
refused "{/a(/b}" --plus -k touch "$T/ran" "{/a(/b}" ::: a
refused "{##}" --plus --pipe touch "$T/ran" "{##}"

# --results: the name says the format, as in GNU parallel; fanout's JSON Lines under .jsonl.
run "$FANOUT" --res "$T/r.jsonl" echo ::: a
assert_status "--res r.jsonl: runs" 0
assert_eq "--res r.jsonl: one JSON line" 1 "$(line_count "$T/r.jsonl")"
run "$FANOUT" --results -.json echo ::: a
assert_contains "--results -.json: GNU's JSON on stdout" '"Command": "echo a"' "$OUT"
assert_no_file "--results -.json: no file of that name" -.json

# A GNU option after the command is the command's, as in GNU parallel.
run "$FANOUT" -k echo --fifo ::: a
assert_eq "an option after the command word is the command's" "--fifo a" "$OUT"

end_of_tests
