# --pipe --regexp: --recend and --recstart are Perl regular expressions (PCRE2,
# multi-line as in GNU parallel). GNU parallel's output is the reference: -N and by
# size, data that arrives in pieces, a pattern that does not compile, --regexp without
# --pipe.
# shellcheck source=lib.sh disable=SC1083,SC2016 # literal braces and unexpanded $ are the point
source "$(dirname "$0")/lib.sh"

# gnu_same DESC INPUT_FILE ARGS...: same_as_gnu (lib.sh) with --pipe --regexp -k ARGS.
gnu_same() {
    same_as_gnu "$1" "$2" --pipe --regexp -k "${@:3}"
}

printf '>a\nAC\nGT\n>b\nTT\n>c\nGG\n' >small.fa
gnu_same "--recstart '^>' -N1" small.fa --recstart '^>' -N1 "$SHOW"
gnu_same "--recstart '>' -N2" small.fa --recstart '>' -N2 "$SHOW"
gnu_same "--recend with a lookahead, -N1" small.fa --recend '\n(?=>)' -N1 "$SHOW"
gnu_same "--recend 'T\\n' -N1" small.fa --recend 'T\n' -N1 "$SHOW"
gnu_same "--recstart '^>' --block 8" small.fa --recstart '^>' --block 8 "$SHOW"
gnu_same "--recend '[AG]\\n' --block 3" small.fa --recend '[AG]\n' --block 3 "$SHOW"
gnu_same "--recend '\\n' --recstart '>' -N1 (both must match)" small.fa --recend '\n' --recstart '>' -N1 "$SHOW"

# A larger file by size: every block ends before a '>' line.
python3 - <<'EOF'
import random
random.seed(20)
with open('big.fa', 'w') as out:
    for i in range(20000):
        out.write('>seq%d\n' % i)
        for _ in range(random.randint(1, 6)):
            out.write(''.join(random.choice('ACGT') for _ in range(random.randint(1, 60))) + '\n')
EOF
gnu_same "2 MB, --recstart '^>' -N 1000" big.fa --recstart '^>' -N 1000 md5sum
# By size GNU parallel cuts where its reads happened to end (fanout's --pipe does not
# follow it there): a pattern that means what a string does cuts the same blocks.
run --stdin big.fa "$FANOUT" --pipe -k --recstart '>' --block 64k md5sum
cp "$OUT_FILE" literal.out
run --stdin big.fa "$FANOUT" --pipe --regexp -k --recstart '^>' --block 64k md5sum
assert_status "2 MB, --recstart '^>' --block 64k: exit status" 0
assert_file_eq "2 MB, --recstart '^>' --block 64k: the blocks of --recstart '>'" literal.out "$OUT_FILE"
assert_ge "2 MB, --block 64k: about 32 blocks" 30 "$(line_count "$OUT_FILE")"
cp "$OUT_FILE" whole.out

# Data that arrives a few bytes at a time cuts the same blocks as a file.
run sh -c "cat big.fa | while IFS= read -r line; do printf '%s\n' \"\$line\"; done | $(printf '%q' "$FANOUT") --pipe --regexp -k --recstart '^>' --block 64k md5sum"
assert_status "data in pieces: exit status" 0
assert_file_eq "data in pieces: the same blocks" whole.out "$OUT_FILE"

# --- usage errors, before any job starts --------------------------------------------
run --input 'a' "$FANOUT" --pipe --regexp --recstart '(>' touch ran
assert_usage_error "--recstart that does not compile" "--recstart: missing closing parenthesis at offset 2 in '(>'"
assert_no_file "no job ran" ran
run --input 'a' "$FANOUT" --pipe --regexp --recend 'x**' touch ran
assert_usage_error "--recend that does not compile" "--recend: quantifier does not follow a repeatable item"
run "$FANOUT" --regexp echo ::: a
assert_usage_error "--regexp without --pipe" "--regexp requires --pipe"

end_of_tests
