# Input sources and records: stdin, -a, :::, ::::, cartesian product and --link,
# delimiters, --colsep, task lists (no command), empty input, lazy reading, and a NUL
# byte inside a record (never cut: the record is a failed job that says where).
# shellcheck source=lib.sh disable=SC1083,SC2016 # literal braces and unexpanded $ are the point
source "$(dirname "$0")/lib.sh"

# --- stdin is the default source -------------------------------------------------
run --input $'a\nb\nc\n' "$FANOUT" -k echo
assert_status "stdin source: exit status" 0
assert_eq "stdin source: one job per line, in order with -k" $'a\nb\nc' "$OUT"

run --input $'a\nb' "$FANOUT" -k echo got
assert_eq "a final record without newline still counts" $'got a\ngot b' "$OUT"

# --- empty input runs nothing ----------------------------------------------------
fresh_dir empty
run "$FANOUT" touch ran
assert_status "empty stdin: exit status 0" 0
assert_eq "empty stdin: no output" "" "$OUT$ERR"
assert_no_file "empty stdin: no job ran" ran
: >empty.txt
run "$FANOUT" -a empty.txt touch ran
assert_status "empty -a file: exit status 0" 0
assert_no_file "empty -a file: no job ran" ran
run "$FANOUT" -0 touch ran
assert_status "empty -0 input: exit status 0" 0
assert_no_file "empty -0 input: no job ran" ran
cd "$T" || exit 1

# --- -a / --arg-file -------------------------------------------------------------
printf '1\n2\n' >nums.txt
printf 'x\ny\n' >letters.txt
run "$FANOUT" -k -a nums.txt echo
assert_eq "-a FILE reads arguments from FILE" $'1\n2' "$OUT"
run "$FANOUT" -k --arg-file nums.txt echo
assert_eq "--arg-file FILE" $'1\n2' "$OUT"
run --input $'p\nq\n' "$FANOUT" -k -a - echo
assert_eq "-a - reads stdin" $'p\nq' "$OUT"
run "$FANOUT" -k -a nums.txt -a letters.txt echo
assert_eq "two -a sources: cartesian product, last varying fastest" $'1 x\n1 y\n2 x\n2 y' "$OUT"
run --input $'s\n' "$FANOUT" -k -a nums.txt -a - echo
assert_eq "-a FILE -a -: stdin as the second source" $'1 s\n2 s' "$OUT"
run --input $'in\n' "$FANOUT" -k -a nums.txt echo ::: a b
assert_eq "-a sources come before ::: sources" $'1 a\n1 b\n2 a\n2 b' "$OUT"
run --input $'in\n' "$FANOUT" -k -a nums.txt echo
assert_eq "with -a, stdin is not read" $'1\n2' "$OUT"

# --- ::: and :::: ----------------------------------------------------------------
run --input $'ignored\n' "$FANOUT" -k echo ::: a b c
assert_eq "::: values are the arguments (stdin ignored)" $'a\nb\nc' "$OUT"
run "$FANOUT" -k echo ::: a b ::: 1 2
assert_eq "two ::: sources: cartesian product" $'a 1\na 2\nb 1\nb 2' "$OUT"
run "$FANOUT" -k echo ::: a b ::: 1 2 ::: X Y
assert_eq "three ::: sources: cartesian product" \
    $'a 1 X\na 1 Y\na 2 X\na 2 Y\nb 1 X\nb 1 Y\nb 2 X\nb 2 Y' "$OUT"
run "$FANOUT" -k echo :::: nums.txt
assert_eq ":::: FILE" $'1\n2' "$OUT"
run "$FANOUT" -k echo :::: nums.txt letters.txt
assert_eq ":::: FILE FILE: each file is its own source" $'1 x\n1 y\n2 x\n2 y' "$OUT"
run "$FANOUT" -k echo ::: a b :::: nums.txt
assert_eq "::: then ::::" $'a 1\na 2\nb 1\nb 2' "$OUT"
run --input $'s1\ns2\n' "$FANOUT" -k echo :::: - ::: a
assert_eq ":::: - reads stdin" $'s1 a\ns2 a' "$OUT"

# --- --link ----------------------------------------------------------------------
run "$FANOUT" -k --link echo ::: a b c ::: 1 2 3
assert_eq "--link pairs equal sources" $'a 1\nb 2\nc 3' "$OUT"
run "$FANOUT" -k --link echo ::: a b c ::: 1 2
assert_eq "--link: the shorter source wraps around" $'a 1\nb 2\nc 1' "$OUT"
run "$FANOUT" -k --link echo ::: a ::: 1 2 3
assert_eq "--link: the first source may be the shorter one" $'a 1\na 2\na 3' "$OUT"
run "$FANOUT" -k --link -a nums.txt echo :::: letters.txt
assert_eq "--link with -a and ::::" $'1 x\n2 y' "$OUT"

# --- no command: each record is a command -----------------------------------------
run --input $'echo a\necho b\n' "$FANOUT" -k
assert_status "task list: exit status" 0
assert_eq "task list: each line is a command" $'a\nb' "$OUT"
run --input $'echo a | tr a b\necho "x  y"; echo z\n' "$FANOUT" -k
assert_eq "task list: lines go through the shell" $'b\nx  y\nz' "$OUT"
run "$FANOUT" -k ::: 'echo one' 'echo two'
assert_eq "::: values as commands" $'one\ntwo' "$OUT"

# --- -0 / --null -----------------------------------------------------------------
printf 'a\0b\0' >ab.nul
run --stdin ab.nul "$FANOUT" -0 -k echo
assert_eq "-0: NUL-separated records" $'a\nb' "$OUT"
printf 'a b\nc\0d' >abcd.nul
run --stdin abcd.nul "$FANOUT" --null -k echo x
assert_eq "--null: newlines belong to the record, final record without NUL counts" \
    $'x a b\nc\nx d' "$OUT"
printf 'f1\0f2\0' >nul.txt
run "$FANOUT" -0 -k echo :::: nul.txt
assert_eq "-0 applies to :::: files" $'f1\nf2' "$OUT"

# --- -d / --delimiter ------------------------------------------------------------
run --input 'a,b,c' "$FANOUT" -k -d , echo
assert_eq "-d ,: one-character delimiter" $'a\nb\nc' "$OUT"
run --input 'a,b,c' "$FANOUT" -k --delimiter , echo
assert_eq "--delimiter ," $'a\nb\nc' "$OUT"
run --input $'a b\tc d\t' "$FANOUT" -k -d '\t' echo x
assert_eq "-d '\\t' (escape)" $'x a b\nx c d' "$OUT"
run --stdin ab.nul "$FANOUT" -k -d '\0' echo
assert_eq "-d '\\0' (escape)" $'a\nb' "$OUT"
# shellcheck disable=SC1003 # a literal backslash
run --input 'a\b\c' "$FANOUT" -k -d '\\' echo
assert_eq "-d '\\\\' (escaped backslash)" $'a\nb\nc' "$OUT"
run --input $'a\nb\n' "$FANOUT" -k -d '\n' echo x
assert_eq "-d '\\n' (escape)" $'x a\nx b' "$OUT"
run --input $'one two\nthree' "$FANOUT" -k -d ' ' echo x
assert_eq "-d ' ': newlines are record content" $'x one\nx two\nthree' "$OUT"
run --input 'a:b' "$FANOUT" -k -d n echo x
assert_eq "-d n is the letter n, not newline" "x a:b" "$OUT"
run --input $'a\rb\r' "$FANOUT" -k -d '\r' echo x
assert_eq "-d '\\r' (escape, as xargs and GNU)" $'x a\nx b' "$OUT"
run --input 'aAbA' "$FANOUT" -k -d '\101' echo x
assert_eq "-d '\\101': three octal digits, as xargs and GNU" $'x a\nx b' "$OUT"
run --input $'a\001b' "$FANOUT" -k -d '\1' echo x
assert_eq "-d '\\1': one octal digit, as xargs and GNU" $'x a\nx b' "$OUT"
# xargs and GNU read these differently (xargs: \12 is a newline, \x41 an A; GNU: \12 is
# two bytes, \x41 four), or at least one of them refuses them: fanout refuses them too.
for spec in '\12' '\0101' '\400' '\8' '\x41' '\v' '\a' 'xy'; do
    run --input 'a' "$FANOUT" -d "$spec" echo x
    assert_usage_error "-d '$spec' is refused" "-d/--delimiter: '$spec'"
done

# --- --colsep / -C ---------------------------------------------------------------
run --input $'a:b\nc:d\n' "$FANOUT" -k --colsep : echo {2} {1}
assert_eq "--colsep splits records into columns" $'b a\nd c' "$OUT"
run --input $'a:b\n' "$FANOUT" -k -C : echo {2}-{1}
assert_eq "-C is --colsep" "b-a" "$OUT"
run --input $'a,,b;c\n' "$FANOUT" -k --colsep '[,;]+' echo {3} {2} {1}
assert_eq "--colsep takes a regular expression" "c b a" "$OUT"
run --input $'1\t2\n' "$FANOUT" -k --colsep '\t' echo {2}{1}
assert_eq "--colsep '\\t'" "21" "$OUT"
printf 'k1 v1\nk2 v2\n' >pairs.txt
run "$FANOUT" -k --colsep ' ' echo {2}={1} :::: pairs.txt
assert_eq "--colsep with a :::: file" $'v1=k1\nv2=k2' "$OUT"

# --- lazy input: the first job starts before stdin ends ---------------------------
fresh_dir lazy
producer() {
    echo a
    # Write more only once the job for "a" has run: a fanout that waits for the
    # end of its input first would deadlock here until the guard gives up.
    if wait_until 30 test -e a.started; then
        echo early >producer.saw
    fi
    echo b
}
producer | timeout -k 5 "$(scaled 60)" "$FANOUT" -j2 'touch {}.started'
status=$?
assert_eq "lazy input: exit status" 0 "$status"
assert_file_exists "lazy input: the job for the first record ran before stdin ended" producer.saw
assert_file_exists "lazy input: the second record ran too" b.started
cd "$T" || exit 1

# --- a million records in batches --------------------------------------------------
seq 1000000 >million.txt
run --timeout 120 --stdin million.txt "$FANOUT" -j2 -n 1000 -q sh -c 'echo $#' _
assert_status "seq 1000000 with -n 1000: exit status" 0
assert_eq "seq 1000000 with -n 1000: 1000 jobs" 1000 "$(line_count "$OUT_FILE")"
assert_eq "seq 1000000 with -n 1000: every job got 1000 arguments" "1000" \
    "$(sort -u "$OUT_FILE" | tr -d '\n')"
rm -f million.txt

# --- a NUL byte inside a record: the record is not run ---------------------------
# No argument can hold a NUL byte; cut there, "important\0.bak" would be "important".
fresh_dir nul
NUL_HINT='(a command argument cannot contain NUL; use -0 for NUL-separated input)'
# check_nul DESC N MESSAGE: the last run failed N jobs, each saying MESSAGE.
check_nul() {
    assert_status "$1: the exit status counts the failed jobs" "$2"
    assert_contains "$1: one line names the source, record and offset" "$3 $NUL_HINT" "$ERR"
    assert_eq "$1: the message comes once per failed job" "$2" "$(grep -cF "$3 " "$ERR_FILE")"
}
printf 'important\0.bak\nother.bak\n' >nul.txt
: >important
: >other.bak
run --stdin nul.txt "$FANOUT" rm
check_nul "NUL in a stdin record" 1 "fanout: stdin record 1: NUL byte at offset 9"
assert_file_exists "NUL in a stdin record: 'important' is not removed" important
assert_no_file "NUL in a stdin record: the other record ran" other.bak
assert_contains "NUL in a stdin record: the failure summary lists the job" \
    "  job 1 (could not start): (stdin record 1)" "$ERR"
run --stdin nul.txt "$FANOUT" --dry-run rm
check_nul "--dry-run agrees" 1 "fanout: stdin record 1: NUL byte at offset 9"
assert_eq "--dry-run agrees: only the other command is shown" "rm other.bak" "$OUT"
run "$FANOUT" -k -a nul.txt echo
check_nul "NUL in a -a file" 1 "fanout: nul.txt record 1: NUL byte at offset 9"
assert_eq "NUL in a -a file: the other record ran" "other.bak" "$OUT"
run "$FANOUT" -k echo :::: nul.txt
check_nul "NUL in a :::: file" 1 "fanout: nul.txt record 1: NUL byte at offset 9"
run "$FANOUT" -k echo ::: x y :::: nul.txt
check_nul "NUL in a later :::: source: named by its own record" 2 "fanout: nul.txt record 1: NUL byte at offset 9"
assert_eq "NUL in a later :::: source: the other combinations ran" $'x other.bak\ny other.bak' "$OUT"
printf 'x\0y\nz\n' >nul_link.txt
run "$FANOUT" -k --link echo :::: nul_link.txt ::: 1 2 3 4
check_nul "NUL with --link: the wrapped-around record keeps its number" 2 "fanout: nul_link.txt record 1: NUL byte at offset 1"
assert_eq "NUL with --link: the other record ran twice" $'z 2\nz 4' "$OUT"
run --stdin nul.txt "$FANOUT" -k -N0 echo x
assert_status "NUL with -N 0: the record is not in the command, so it runs" 0
assert_eq "NUL with -N 0: both jobs ran" $'x\nx' "$OUT"
printf 'a\0b,c,d\0\0,' >nul_d.txt
run --stdin nul_d.txt "$FANOUT" -k -d , echo
assert_status "NUL with -d ,: two failed jobs" 2
assert_contains "NUL with -d ,: record 1" "fanout: stdin record 1: NUL byte at offset 1 $NUL_HINT" "$ERR"
assert_contains "NUL with -d ,: record 3, the first NUL" "fanout: stdin record 3: NUL byte at offset 1 $NUL_HINT" "$ERR"
assert_eq "NUL with -d ,: the other record ran" "c" "$OUT"
printf 'a:b\0c\nd:e\n' >nul_colsep.txt
run --stdin nul_colsep.txt "$FANOUT" -k --colsep : echo {2}
check_nul "NUL in a --colsep column" 1 "fanout: stdin record 1: NUL byte at offset 3"
assert_eq "NUL in a --colsep column: the other record ran" "e" "$OUT"
printf 'a\0b\n' >nul_sep.txt
run --stdin nul_sep.txt "$FANOUT" -k --colsep '\0' echo {2} {1}
assert_status "--colsep matching NUL: no NUL is left in a column, the job runs" 0
assert_eq "--colsep matching NUL: the columns" "b a" "$OUT"
printf 'a\nb\0c\nd\n' >nul_x.txt
run --stdin nul_x.txt "$FANOUT" -k -j1 -X echo
check_nul "NUL with -X: the record is a job of its own" 1 "fanout: stdin record 2: NUL byte at offset 1"
assert_eq "NUL with -X: the records around it run" $'a\nd' "$OUT"
printf 'echo a\0b\necho ok\n' >nul_cmds.txt
run --stdin nul_cmds.txt "$FANOUT" -k
check_nul "NUL in a record that is a command" 1 "fanout: stdin record 1: NUL byte at offset 6"
assert_eq "NUL in a record that is a command: the other one ran" "ok" "$OUT"
cd "$T" || exit 1

end_of_tests
