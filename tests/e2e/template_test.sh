# Replacement strings: {} {.} {/} {//} {/.} {#} {%}, positional {N} with modifiers,
# -I, appended arguments, literal braces, unterminated replacement strings.
# shellcheck source=lib.sh disable=SC1083,SC2016 # literal braces and unexpanded $ are the point
source "$(dirname "$0")/lib.sh"

# --- modifiers on one value ------------------------------------------------------
check_modifier() { # DESC TEMPLATE VALUE EXPECTED
    run "$FANOUT" echo "$2" ::: "$3"
    assert_eq "$1: $2 of $3" "$4" "$OUT"
}
check_modifier "the value" '{}' a/b.c.d a/b.c.d
check_modifier "remove the extension" '{.}' a/b.c.d a/b.c
check_modifier "basename" '{/}' a/b.c.d b.c.d
check_modifier "dirname" '{//}' a/b.c a
check_modifier "dirname without slash is ." '{//}' b.c .
check_modifier "basename without slash" '{/}' b.c b.c
check_modifier "basename without extension" '{/.}' a/b.c.d b.c
check_modifier "no extension to remove" '{.}' a/b a/b
check_modifier "a dot in the directory is no extension" '{.}' dir.d/file dir.d/file
check_modifier "basename without extension, dotted directory" '{/.}' dir.d/f.x f
check_modifier "deep dirname" '{//}' /x/y/z.txt /x/y
check_modifier "several modifiers in one word" 'D={//},B={/},N={/.}' dir/f.txt D=dir,B=f.txt,N=f

# --- {#}: sequence number --------------------------------------------------------
run "$FANOUT" -k -j3 echo {#} {} ::: a b c d
assert_eq "{#} numbers jobs from 1 in input order" $'1 a\n2 b\n3 c\n4 d' "$OUT"
run "$FANOUT" -k echo {#}-{#} ::: a
assert_eq "{#} twice in one word" "1-1" "$OUT"

# --- {%}: slot number ------------------------------------------------------------
run "$FANOUT" -j1 echo {%} ::: a b c
assert_eq "{%} with -j1 is always 1" $'1\n1\n1' "$OUT"
run "$FANOUT" -j3 echo {%} ::: $(seq 12)
assert_eq "{%} with -j3: 12 jobs" 12 "$(line_count "$OUT_FILE")"
assert_eq "{%} with -j3 is within 1..3" "" "$(grep -vxE '[123]' "$OUT_FILE")"
fresh_dir slots
# A slot belongs to one running job at a time: mkdir fails if another job holds it.
run "$FANOUT" -j3 'mkdir slot{%} && sleep 0.2 && rmdir slot{%} && echo {}' ::: $(seq 9)
assert_status "{%}: no two running jobs share a slot" 0
assert_eq "{%}: all 9 jobs ran" "$(seq 9)" "$(sort -n "$OUT_FILE")"
cd "$T" || exit 1

# --- positional {N} with several sources ------------------------------------------
run "$FANOUT" -k echo {2} {1} ::: a b ::: 1 2
assert_eq "{N} is the N-th source's value" $'1 a\n2 a\n1 b\n2 b' "$OUT"
run "$FANOUT" echo {1//} {2.} {3/} {2/.} {3/.} ::: d/x.y ::: e/f.g ::: h/i.j
assert_eq "positional modifiers {1//} {2.} {3/} {2/.} {3/.}" "d e/f i.j f i" "$OUT"
run "$FANOUT" echo {} ::: a ::: b ::: c
assert_eq "{} with several sources: all values, space separated" "a b c" "$OUT"
run "$FANOUT" echo {1}{1} ::: ab
assert_eq "{1} twice" "abab" "$OUT"
run "$FANOUT" -q echo 'x{3}y' ::: a ::: b
assert_eq "a positional index beyond the arguments is empty (direct)" "xy" "$OUT"
run "$FANOUT" 'echo x{3}y | cat' ::: a ::: b
assert_eq "a positional index beyond the arguments is empty (shell)" "xy" "$OUT"
run --input $'a,b,c\n' "$FANOUT" --colsep , echo {3} {1} {2}
assert_eq "with --colsep, {N} is the N-th column" "c a b" "$OUT"
run --input $'d/x.y,e/f.g\n' "$FANOUT" --colsep , echo {1/} {2.}
assert_eq "with --colsep, positional modifiers" "x.y e/f" "$OUT"
run "$FANOUT" echo {10} {1} ::: 1 ::: 2 ::: 3 ::: 4 ::: 5 ::: 6 ::: 7 ::: 8 ::: 9 ::: ten
assert_eq "two-digit positional {10}" "ten 1" "$OUT"

# --- -I --------------------------------------------------------------------------
run "$FANOUT" -k -I XX echo XX ::: a b
assert_eq "-I XX replaces {} by XX" $'a\nb' "$OUT"
run "$FANOUT" -k -I XX echo pre-XX-post ::: a
assert_eq "-I XX inside a word" "pre-a-post" "$OUT"
run "$FANOUT" -q -I XX echo '{}' XX ::: a
assert_eq "with -I XX, {} is literal" "{} a" "$OUT"

# --- no replacement string: arguments are appended --------------------------------
run "$FANOUT" -k echo x y ::: a b
assert_eq "arguments are appended" $'x y a\nx y b' "$OUT"
run "$FANOUT" echo x ::: a ::: b
assert_eq "several sources: all values appended" "x a b" "$OUT"
run "$FANOUT" echo {#} ::: a
assert_eq "{#} alone counts as a replacement string: nothing appended" "1" "$OUT"

# --- braces that are no replacement string are literal -----------------------------
printf 'x y\nz w\n' >cols.txt
run "$FANOUT" -q awk '{print $1}' ::: cols.txt
assert_eq "awk '{print \$1}' keeps its braces (-q)" $'x\nz' "$OUT"
run "$FANOUT" -q sh -c 'echo "{x}" $0' ::: a
assert_eq "{x} is literal (-q)" "{x} a" "$OUT"
run "$FANOUT" 'echo "{x} {a.b}"' ::: a
assert_eq "{x} {a.b} are literal (shell)" "{x} {a.b} a" "$OUT"
run "$FANOUT" -q echo '}{' ::: a
assert_eq "}{ is literal" "}{ a" "$OUT"

# --- unterminated replacement strings are usage errors ------------------------------
for bad in '{1' '{.' '{/' '{//' '{2/.' '{#' '{%'; do
    fresh_dir "unterminated$RUN_N"
    run "$FANOUT" touch ran "$bad" ::: a
    assert_usage_error "unterminated replacement string $bad" "$bad"
    assert_no_file "unterminated $bad: no job ran" ran a
done
cd "$T" || exit 1

end_of_tests
