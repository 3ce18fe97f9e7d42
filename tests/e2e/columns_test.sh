# Named columns (--header), --csv and --trim: what GNU parallel cannot be compared on
# (differential_test.sh compares the rest): hostile column names, which GNU parallel
# reads as regular expressions; CSV records that are not CSV; the refusals.
# shellcheck source=lib.sh disable=SC1083,SC2016 # literal braces and unexpanded $ are the point
source "$(dirname "$0")/lib.sh"

# --- the example of the issue ----------------------------------------------------------
printf 'file,size\na.png,10\nb.png,20\n' >jobs.csv
run "$FANOUT" -k --header : --colsep , echo 'convert {file} -resize {size} out/{file}' :::: jobs.csv
assert_status "--header : --colsep ,: exit status" 0
assert_eq "--header : --colsep ,: names are columns" \
    "convert a.png -resize 10 out/a.png"$'\n'"convert b.png -resize 20 out/b.png" "$OUT"
run --stdin jobs.csv "$FANOUT" -k --header : --colsep , --dry-run cp {file} {size}/{file.}.bak
assert_eq "--header from stdin, with --dry-run and {name.}" \
    "cp a.png 10/a.bak"$'\n'"cp b.png 20/b.bak" "$OUT"

run "$FANOUT" -k --header : --colsep , --workdir 'w/{file.}' 'echo {size} in ${PWD##*/}' :::: jobs.csv
assert_eq "--header: {name.} in --workdir" "10 in a"$'\n'"20 in b" "$OUT"
run "$FANOUT" -k --header : --colsep , --bar echo {file} :::: jobs.csv
assert_eq "--header with --bar: the header is not a job" "a.png"$'\n'"b.png" "$OUT"

# --- hostile names: each means itself, once ----------------------------------------------
run "$FANOUT" -k --header : --colsep , echo '[{a.b}][{axb}][{x(y}][{1}][{}]' ::: 'a.b,x(y,1' 'A,B,C'
assert_status "regex characters in names: exit status (GNU parallel dies on 'x(y')" 0
assert_eq "regex characters in names are literal; {1} is the column named 1" "[A][{axb}][B][C][A B C]" "$OUT"
run "$FANOUT" -k --header : --colsep , echo '{x} {1}' ::: 'x,1' 'A,B'
assert_eq "a rewritten name is not rewritten again (GNU parallel: B B)" "A B" "$OUT"
run "$FANOUT" -k --header : --colsep , echo '[{}][{.}][{a}]' ::: 'a,,' 'A,B.c,C'
assert_eq "an empty name names nothing: {} keeps its meaning" "[A B.c C][A B C][A]" "$OUT"
run "$FANOUT" -k --header : --colsep , echo '{$(touch pwned)}' '{;}' ::: '$(touch pwned),;' 'a b,c;d'
assert_eq "shell characters in names and values are quoted" "a b c;d" "$OUT"
assert_no_file "nothing ran from a name" pwned

# --- --csv: what is not CSV ----------------------------------------------------------------
printf 'a,b\n"x\ny",c"d"\nok,1\n' >bad.csv
run "$FANOUT" -k --csv echo '[{1}][{2}]' :::: bad.csv
assert_status "a record that is not CSV fails as a job" 1
assert_eq "the other records run" "[a][b]"$'\n'"[ok][1]" "$OUT"
assert_contains "the message names the file and the line the record starts on" \
    "bad.csv line 2: not CSV: a '\"' inside an unquoted field (byte 8) (the record is not run)" "$ERR"
printf 'a,b\n"never closed,x\ny,z\n' >open.csv
run --stdin open.csv "$FANOUT" -k --csv echo '[{1}][{2}]'
assert_status "an unterminated quote: its record fails" 1
assert_eq "an unterminated quote: the records before it run" "[a][b]" "$OUT"
assert_contains "an unterminated quote: the message says where it opened" \
    "stdin line 2: not CSV: a quoted field (byte 1) has no closing '\"'" "$ERR"
printf 'a,b\r\n"1\r\n2",3\r\n' >crlf.csv
run "$FANOUT" -k --csv 'printf "[%s][%s]\n" {1} {2}' :::: crlf.csv
assert_eq "--csv: CRLF line ends (GNU parallel refuses the record)" "[a][b]"$'\n'"[1"$'\r\n'"2][3]" "$OUT"
run "$FANOUT" -k --csv --colsep '\t' echo '[{1}][{2}]' ::: $'"a\tb"\tc'
assert_eq "--csv --colsep '\\t' is a TAB" "[a	b][c]" "$OUT"
printf '"a b",c\n1,2\n' >quoted_header.csv
run "$FANOUT" -k --csv --header : echo '{a b}{c}' :::: quoted_header.csv
assert_eq "--csv --header: the header is a CSV record too (GNU parallel splits it at ,)" "12" "$OUT"
run "$FANOUT" -k --csv --header : echo '{a}' ::: '"a' '1'
assert_status "--csv --header: a header that is not CSV" 255
assert_contains "--csv --header: a header that is not CSV is named" "::: arguments header: not CSV" "$ERR"

# --- refusals ----------------------------------------------------------------------------
run "$FANOUT" --header 0 echo {x} :::: jobs.csv
assert_usage_error "--header 0" "--header 0"
run "$FANOUT" --header 2 echo {x} :::: jobs.csv
assert_usage_error "--header 2 without --pipe" "only the first record names columns"
run "$FANOUT" --header '(' echo {x} :::: jobs.csv
assert_usage_error "--header with a REGEX that does not compile" "--header"
run "$FANOUT" --pipe --header '.*\n' cat
assert_usage_error "--header REGEX with --pipe" "with --pipe, give a number of records"
run --stdin jobs.csv "$FANOUT" --pipe --header : -N 1 -k cat
assert_eq "--pipe --header :: one record before every block" \
    "file,size"$'\n'"a.png,10"$'\n'"file,size"$'\n'"b.png,20" "$OUT"
run "$FANOUT" --header : --tasks tasks.json
assert_usage_error "--header with --tasks" "--tasks"
run "$FANOUT" --csv --pipe cat
assert_usage_error "--csv with --pipe" "--csv"
run "$FANOUT" --csv --colsep ',,' echo ::: a
assert_usage_error "--csv with a --colsep of two characters" "must be one character"
run "$FANOUT" --trim x echo ::: a
assert_usage_error "--trim x" "expected n, l, r, lr or rl"

end_of_tests
