# --colsep is a Perl regular expression (PCRE2) split as GNU parallel splits (Perl's
# split): GNU parallel's output is the reference, case by case and on lines of 1 MB;
# lines that crashed std::regex (SIGSEGV on 30 KB) and lines of 100 MB; a pattern that
# backtracks without end fails its record as a job, the others run; a pattern that
# does not compile is a usage error with PCRE2's message and offset.
# shellcheck source=lib.sh disable=SC1083,SC2016 # literal braces and unexpanded $ are the point
source "$(dirname "$0")/lib.sh"

# gnu_same DESC INPUT_FILE ARGS...: same_as_gnu (lib.sh) with -k ARGS.
gnu_same() {
    same_as_gnu "$1" "$2" -k "${@:3}"
}

# --- the crash of issue 20: std::regex recursed once per character ---------------
python3 -c "print('x' * 30000 + ',z')" >x30k.txt
run --stdin x30k.txt "$FANOUT" --colsep '(x|y)*,' -k echo {2} {3}
assert_status "30 KB line, '(x|y)*,': no crash" 0
assert_eq "30 KB line, '(x|y)*,': the group is a column, as in Perl" "x z" "$OUT"
python3 -c "print('ab' * 100000 + ',z')" >ab200k.txt
run --stdin ab200k.txt "$FANOUT" --colsep '(a|b)*,' -k echo {2} {3}
assert_status "200 KB line, '(a|b)*,': no crash" 0
assert_eq "200 KB line, '(a|b)*,': the last repetition is the group" "b z" "$OUT"

# --- GNU parallel's split, case by case -------------------------------------------
# Each case: the --colsep pattern, then the input line.
cases=(
    ',' 'a,b,,c'
    ',' ',a,b'
    ',' 'a,b,,'
    ',' ' a , b '
    '(,)' 'a,b'
    '(,)|(;)' 'a,b;c'
    ',*' 'abc'
    '' 'abc'
    'x*' 'xabc'
    '(?=y)' 'x1y'
    '\b' 'ab cd'
    '$' 'ab'
    '^' 'ab'
    '\s+' $'a \t b\tc'
    '\d+' 'x1y22z'
    '(?<=\d),(?=\d)' '1,2,a,3'
    '(?i)X' 'axbXc'
    '[[:punct:]]+' 'a;;b..c'
    ',' ''
)
for ((i = 0; i < ${#cases[@]}; i += 2)); do
    printf '%s\n' "${cases[i + 1]}" >case.txt
    gnu_same "--colsep '${cases[i]}' on '${cases[i + 1]}'" case.txt --colsep "${cases[i]}" echo '[{1}][{2}][{3}][{4}][{5}][{}]'
done
printf 'a\nb\0c\n' >nul.txt
gnu_same "-0 and --colsep '^' (Perl reads /^/ as /^/m)" nul.txt -0 --colsep '^' echo '[{1}][{2}][{3}]'
gnu_same "--colsep splits ::: values too" /dev/null --colsep , echo '[{1}][{2}][{3}]' ::: 'a, b' 'c'

# --- lines of 1 MB, against GNU parallel -----------------------------------------
python3 - <<'EOF'
x = 'x' * 1000000
open('long.txt', 'wb').write(b'\n'.join(line.encode('latin-1') for line in [
    x + ',tail', x + ',mid,' + 'y' * 10, ' ' * 1000000 + 'a\tb', x + 'y,end', 'xy' * 500000 + ',2',
]) + b'\n')
open('utf8.txt', 'w', encoding='utf-8').write('é' * 500000 + '€,ü\n' + 'ü€' * 200000 + ' , x\n')
open('invalid.bin', 'wb').write(b'\xff\xfe' * 500000 + b',\xc3(\n' + b'\x80' * 1000000 + b';;z\n')
EOF
for pattern in ',' '(x|y)*,' '(?<=x),(?=\w)' ',(?!x)' '(,)' '^x+,|,' '\s+' '(?<=y),'; do
    gnu_same "1 MB lines, --colsep '$pattern'" long.txt --colsep "$pattern" echo '[{2}]'
done
sed 4d long.txt >nested.txt
gnu_same "1 MB lines, nested quantifiers" nested.txt --colsep '(?:x+)+,' echo '[{2}]'
# Where such a pattern fails after a long run, Perl remembers what it tried (its
# super-linear cache) and GNU parallel prints "[]"; PCRE2 has no such memory, and the
# record reaches the match limit: it fails as a job, with the message.
sed -n 4p long.txt >nested_fails.txt
run --stdin nested_fails.txt "$FANOUT" --colsep '(?:x+)+,' echo '[{2}]'
assert_status "1 MB line, nested quantifiers that fail at its end: the job fails" 1
assert_contains "1 MB line, nested quantifiers that fail at its end: the limit is named" "match limit" "$ERR"
for pattern in ',' '€,' '(?<=\x{a9})\x{e2}' '\s*,\s*'; do
    gnu_same "1 MB UTF-8 lines, --colsep '$pattern'" utf8.txt --colsep "$pattern" echo '[{2}]'
done
for pattern in ',' '[,;]+' '\x80+' '(;)'; do
    gnu_same "1 MB invalid UTF-8, --colsep '$pattern'" invalid.bin --colsep "$pattern" echo '[{2}]'
done

# --- lines of 100 MB: the answer is known ----------------------------------------
{
    head -c 100000000 /dev/zero | tr '\0' x
    printf ',tail\n'
} >huge.txt
for pattern in ',' '(?<=x),(?=t)' '\s*,\s*' 'x,|q' ',(?=\w+$)'; do
    run --timeout 300 --stdin huge.txt "$FANOUT" --colsep "$pattern" echo '{2}'
    assert_status "100 MB line, --colsep '$pattern': exit status" 0
    assert_eq "100 MB line, --colsep '$pattern': the second column" "tail" "$OUT"
done
rm -f huge.txt

# --- a pattern that backtracks without end fails its record only ------------------
python3 -c "print('a,1'); print('a' * 100000 + 'b'); print('c,3')" >catastrophic.txt
run --timeout 120 --stdin catastrophic.txt "$FANOUT" -k --colsep '(a+)+$' echo {1}
assert_status "a record that reaches a limit: one job failed" 1
assert_eq "the other records ran" $'a,1\nc,3' "$OUT"
first_line=$(head -n 1 "$ERR_FILE")
assert_match "one line names the record's source and number" '^fanout: stdin record 2: ' "$first_line"
assert_contains "and the pattern" "--colsep '(a+)+\$'" "$first_line"
assert_contains "and the limit" "limit" "$first_line"
run --timeout 120 --stdin catastrophic.txt "$FANOUT" -k -X --colsep '(a+)+$' echo
assert_status "-X: the record that reaches a limit is a failed job of its own" 1
assert_eq "-X: the records before and after it run" $'a,1\nc,3' "$OUT"

# Work that adds up over start positions (the rest of the line at each, below the
# limit for one) stops too: it would take about 40 s on this machine.
python3 -c "print('a' * 200000)" >quadratic.txt
run --timeout 300 --stdin quadratic.txt "$FANOUT" --colsep '(\w|_)*\d' echo {2}
assert_status "a search whose work adds up over the line: one job failed" 1
assert_contains "it says the search ran out of time" "the search took more than 10 s" "$ERR"

# --- a pattern that does not compile is a usage error -----------------------------
run "$FANOUT" --colsep '(a' touch ran ::: a
assert_usage_error "unbalanced parenthesis" "--colsep: missing closing parenthesis at offset 2 in '(a'"
assert_no_file "no job ran" ran
run "$FANOUT" --colsep '\S+**,' touch ran ::: a
assert_usage_error "a quantifier after a quantifier (std::regex took it)" "at offset 3 in '\\S+**,'"

end_of_tests
