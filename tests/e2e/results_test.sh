#!/usr/bin/env bash
# results_test: --results DIR (GNU parallel's tree, with values that try to leave it),
# --results with replacement strings, GNU's CSV, TSV and JSON, --files, and a full disk
# (a real tmpfs): a job whose results were not all written is never recorded as done.
# differential_test.sh compares trees and tables with GNU parallel byte for byte.
# shellcheck source=lib.sh disable=SC1083,SC2016 # literal braces and unexpanded $ are the point
source "$(dirname "$0")/lib.sh"

# tree DIR: every file under DIR with its bytes (%q), one per line, sorted.
tree() {
    find "$1" -type f | LC_ALL=C sort | while IFS= read -r f; do
        printf '%q %q\n' "$f" "$(cat "$f")"
    done
}

# --- the tree ---------------------------------------------------------------------------
fresh_dir tree
run "$FANOUT" -j2 --results out 'echo {1}-{2}; echo e{1} >&2; exit {2}' ::: a b ::: 0 3
assert_status "tree: the failed jobs count" 2
assert_eq "tree: nothing on stdout" "" "$OUT"
assert_eq "tree: stderr says only which jobs failed" "" "$(grep -v -e '^fanout: ' -e '^  job ' "$ERR_FILE")"
assert_eq "tree: seq, stderr, stdout per job" "out/1/a/2/0/seq 1
out/1/a/2/0/stderr ea
out/1/a/2/0/stdout a-0
out/1/a/2/3/seq 2
out/1/a/2/3/stderr ea
out/1/a/2/3/stdout a-3
out/1/b/2/0/seq 3
out/1/b/2/0/stderr eb
out/1/b/2/0/stdout b-0
out/1/b/2/3/seq 4
out/1/b/2/3/stderr eb
out/1/b/2/3/stdout b-3" "$(tree out)"
assert_eq "tree: seq has no newline" 1 "$(stat -c %s out/1/a/2/0/seq)"

# -u passes output straight through, but not what --results keeps.
run "$FANOUT" -u --results out2 'echo {}' ::: a
assert_eq "tree with -u: nothing on stdout" "" "$OUT"
assert_eq "tree with -u: the file has it" a "$(cat out2/1/a/stdout)"

# An existing tree: each job's files are written afresh, others left alone (as GNU).
echo old >out/1/a/2/0/stdout
echo keep >out/other
run "$FANOUT" --results out 'echo new # {}' ::: a ::: 0
assert_eq "tree again: the job's file is overwritten" new "$(cat out/1/a/2/0/stdout)"
assert_eq "tree again: other files stay" keep "$(cat out/other)"

# --retries: only the last attempt's output is kept.
run "$FANOUT" --retries 3 --results retried 'echo {} >>n; wc -l <n; test $(wc -l <n) -ge 2' ::: a
assert_status "tree with --retries: the second attempt succeeds" 0
assert_eq "tree with --retries: the last attempt's output" 2 "$(cat retried/1/a/stdout)"

# --tasks: the task's id names the job's directory.
printf '{"id":"build/x","cmd":"echo built"}\n{"cmd":"echo second"}\n' >tasks.jsonl
run "$FANOUT" --tasks tasks.jsonl --results byid
assert_eq "tree with --tasks: the id names the directory" "byid/2/seq 2
byid/2/stderr ''
byid/2/stdout second
byid/build\\\\_x/seq 1
byid/build\\\\_x/stderr ''
byid/build\\\\_x/stdout built" "$(tree byid)"

# A task has no command template, but its --results and --workdir are filled in all the
# same: perl expressions in them too (they stopped with an internal error).
printf '{"cmd":"pwd"}\n{"cmd":"pwd"}\n' >pwd_tasks.jsonl
run "$FANOUT" -j1 --tasks pwd_tasks.jsonl --workdir 'wd/{= $_="w".seq() =}' --results 'byperl/{= $_="t".seq() =}/'
assert_status "--tasks with perl in --results and --workdir: both jobs ran" 0
assert_eq "--tasks with perl in --results and --workdir: filled in per task" "byperl/t1/seq 1
byperl/t1/stderr ''
byperl/t1/stdout $PWD/wd/w1
byperl/t2/seq 2
byperl/t2/stderr ''
byperl/t2/stdout $PWD/wd/w2" "$(tree byperl)"

echo data >afile
run "$FANOUT" --results afile 'touch ran' ::: a
assert_usage_error "--results naming a file that is not a directory" "afile"
assert_no_file "--results naming a file: no job ran" ran

# --- hostile values: nothing outside DIR, no job's files in another's place ------------
fresh_dir hostile
mkdir inside
long=$(printf 'v%.0s' $(seq 300))
printf '%s\0' '' . .. / ../.. '../../escape' $'new\nline' $'\xff\xfe' "$long" "$long"x >values
run "$FANOUT" -0 -a values --results inside/out 'echo {#}'
assert_status "hostile values: every job ran" 0
assert_eq "hostile values: nothing outside the tree" "./inside/out" "$(find . -mindepth 1 -not -name values -not -path './inside/out/*' -not -path ./inside | sort)"
assert_eq "hostile values: ten jobs, ten stdout files" 10 "$(find inside/out -name stdout -printf x | wc -c)"
assert_eq "hostile values: each its own job's output" "$(seq 10)" "$(find inside/out -name stdout -exec cat {} + | sort -n)"
assert_eq "hostile values: every file is two levels down" 30 "$(find inside/out -mindepth 3 -maxdepth 3 -type f -printf x | wc -c)"
assert_eq "hostile values: the empty value" 1 "$(cat 'inside/out/1/\/stdout')"
assert_eq "hostile values: ." 2 "$(cat 'inside/out/1/\./stdout')"
assert_eq "hostile values: .." 3 "$(cat 'inside/out/1/\../stdout')"
assert_eq "hostile values: / as GNU's \\_" 4 "$(cat 'inside/out/1/\_/stdout')"
assert_eq "hostile values: no name past 255 bytes" "" "$(find inside/out -name "$(printf '?%.0s' $(seq 256))*")"

# A symlink planted in the tree is not followed out of it.
mkdir -p planted/1 elsewhere
ln -s ../../elsewhere planted/1/a
run "$FANOUT" --results planted 'echo {}' ::: a
assert_status "a symlink in the tree: an error" 255
assert_contains "a symlink in the tree: named" "planted/1/a" "$ERR"
assert_eq "a symlink in the tree: nothing written through it" "" "$(ls elsewhere)"

# With replacement strings in the name, a value of '..' may not climb out.
run "$FANOUT" --results 'tpl/{}/' 'echo {}' ::: ok ../../up
assert_status "template with a '..' value: an error" 255
assert_contains "template with a '..' value: named" "leads out" "$ERR"
assert_no_file "template with a '..' value: nothing above" ../up

run "$FANOUT" --results '{}' 'echo {}' ::: "$T/hostile/abs"
assert_status "template with an absolute value: an error" 255
assert_no_file "template with an absolute value: nothing written there" "$T/hostile/abs"
run "$FANOUT" --colsep , -n 2 --results cols 'touch ran' ::: a,b c,d
assert_usage_error "--results DIR with --colsep and -n 2" "--colsep"

# --- replacement strings in the name ----------------------------------------------------
fresh_dir template
run "$FANOUT" -k --results 'my_{}' 'echo {}; echo e >&2' ::: foo bar
assert_eq "template: a file per job, .err and .seq beside it" "my_bar bar
my_bar.err e
my_bar.seq 2
my_foo foo
my_foo.err e
my_foo.seq 1" "$(tree . | sed 's|^\./||')"
# A value that gives the name back as it is written is a value, not the tree (the run
# stopped: "cannot open directory 'x{}'"); GNU parallel writes x{} too.
fresh_dir same_as_name
run "$FANOUT" -k --results 'x{}' 'echo {}' ::: '{}' a
assert_status "template giving its own text: both jobs ran" 0
assert_eq "template giving its own text: a file per job" "./xa a
./xa.err ''
./xa.seq 2
./x\\{\\} \\{\\}
./x\\{\\}.err ''
./x\\{\\}.seq 1" "$(tree .)"
fresh_dir template

run "$FANOUT" -k --results 'd/{#}/' 'echo {}' ::: foo
assert_eq "template ending in /: a directory per job" "d/1/seq 1
d/1/stderr ''
d/1/stdout foo" "$(tree d)"
run "$FANOUT" -k -s 100 --results 'cannot/{#}/' echo ::: a "$(printf 'x%.0s' {1..300})"
assert_eq "template: a job that cannot run has its files" 2 "$(cat cannot/2/seq)"
assert_contains "template: a job that cannot run: the reason on stderr" \
    "fanout: job 2 (::: arguments record 2): command line too long (306 bytes; the limit is 100)" "$ERR"
run "$FANOUT" -k -N0 --results 'perl/{= $_ = "s" . $job->seq() =}/' echo hi ::: a b
assert_eq "template with a perl expression: evaluated per job" "perl/s1/seq 1
perl/s1/stderr ''
perl/s1/stdout hi
perl/s2/seq 2
perl/s2/stderr ''
perl/s2/stdout hi" "$(tree perl)"
printf 'a\0b\nc\n' >nul_record
run "$FANOUT" -k --results 'nul/{}/' echo :::: nul_record
assert_status "template with a NUL in a value: an error" 255
assert_contains "template with a NUL in a value: says so" "would hold a NUL byte" "$ERR"
assert_no_file "template with a NUL in a value: no cut name" nul/a

# --- tables -----------------------------------------------------------------------------
fresh_dir tables
run "$FANOUT" -j1 --results out.csv 'echo {}; echo err >&2' ::: a 'b c'
assert_eq "csv: nothing on stdout" "" "$OUT"
assert_eq "csv: header" "Seq,Host,Starttime,JobRuntime,Send,Receive,Exitval,Signal,Command,V1,Stdout,Stderr" "$(head -n 1 out.csv)"
assert_match "csv: a row, output quoted" '^1,:,[0-9]+\.[0-9]{3},[0-9]+\.[0-9]{3},0,2,0,0,"echo a; echo err >&2",a,"a$' "$(sed -n 2p out.csv)"
run "$FANOUT" --results -.tsv 'echo {}' ::: a
assert_match "-.tsv: the table on stdout" $'^1\t:\t.*\t"echo a"\ta\t"a$' "$(sed -n 2p "$OUT_FILE")"
assert_no_file "-.tsv: no file of that name" -.tsv
run "$FANOUT" --results OUT.JSON 'echo {}' ::: a
assert_match "*.JSON (any case): GNU's JSON" '^\{ "Seq": 1, "Host": ":", .*"V": \[ "a" \], "Stdout": "a\\u000a", "Stderr": "" \}$' "$(cat OUT.JSON)"
run "$FANOUT" --results r.jsonl --results-output 'echo {}' ::: a
assert_contains "*.jsonl: fanout's JSON Lines" '"stdout":"a\n"' "$(cat r.jsonl)"
run "$FANOUT" --results out.csv --results-output 'touch ran' ::: a
assert_usage_error "--results-output with a csv" "--results-output"
assert_no_file "--results-output with a csv: no job ran" ran

# --- --files ----------------------------------------------------------------------------
fresh_dir files
mkdir tmp
run "$FANOUT" -k --files --tmpdir tmp 'echo out {}; echo err {} >&2' ::: a b
assert_status "--files: exit 0" 0
assert_eq "--files: two names printed" 2 "$(line_count "$OUT_FILE")"
assert_match "--files: named as GNU's, in --tmpdir" '^tmp/par[A-Za-z0-9]{6}\.par$' "$(head -n 1 "$OUT_FILE")"
assert_eq "--files: each file holds its job's stdout" "out a
out b" "$(while IFS= read -r f; do cat "$f"; done <"$OUT_FILE")"
assert_eq "--files: stderr goes to stderr" "err a
err b" "$ERR"
TMPDIR=$PWD/tmp run "$FANOUT" --tag --output-as-files true ::: x
assert_match "--output-as-files --tag: the name tagged, in TMPDIR" $'^x\t'"$PWD"'/tmp/par.*\.par$' "$OUT"
assert_eq "--output-as-files: an empty stdout still gets its file" "" "$(cat "${OUT#*$'\t'}")"
run "$FANOUT" --outputasfiles -u 'touch ran' ::: a
assert_usage_error "--files with -u" "-u"
run "$FANOUT" --files --results x.csv 'touch ran' ::: a
assert_usage_error "--files with a csv" "--files"
# GNU parallel removes each stdout file in a dry run: refused rather than written.
TMPDIR=$PWD/tmp run "$FANOUT" --dry-run --files echo ::: a
assert_usage_error "--files with --dry-run" "--dry-run"
run "$FANOUT" --dry-run --results dry echo ::: a
assert_usage_error "--results DIR with --dry-run" "--dry-run"
assert_no_file "--results DIR with --dry-run: no tree" dry
run "$FANOUT" --dry-run --results dry.csv echo ::: a
assert_status "--results FILE.csv with --dry-run: as GNU's" 0
assert_no_file "--files refusals: no job ran" ran

# --- a full disk ------------------------------------------------------------------------
# A job whose output does not fit is not recorded as done: the run stops with one line
# naming the file, and neither the joblog nor --resume count the job.
fresh_dir full
mkdir disk
if mount -t tmpfs -o size=64k tmpfs disk 2>/dev/null; then
    trap 'umount "$T/full/disk" 2>/dev/null; finish' EXIT
    run "$FANOUT" -j1 --joblog log --results disk/out 'head -c {} /dev/zero' ::: 1000 200000
    umount disk
    assert_status "full disk: an error" 255
    assert_eq "full disk: one line on stderr" 1 "$(line_count "$ERR_FILE")"
    assert_contains "full disk: names the file and the cause" "disk/out/1/200000/stdout: No space left on device" "$ERR"
    assert_eq "full disk: the joblog has the first job only" "1 0" "$(tail -n +2 log | cut -f 1,7 | tr '\t' ' ')"
    mount -t tmpfs -o size=64k tmpfs disk
    run "$FANOUT" -j1 --joblog log --results disk/out.csv 'head -c {} /dev/zero' ::: 1000 200000
    umount disk
    assert_status "full disk, csv: an error" 255
    assert_contains "full disk, csv: says so" "No space left on device" "$ERR"
    assert_eq "full disk, csv: the joblog has the first job only" "1 0" "$(tail -n +2 log | cut -f 1,7 | tr '\t' ' ')"
else
    echo "SKIP: cannot mount a tmpfs (not root?): the full-disk cases"
fi

end_of_tests
