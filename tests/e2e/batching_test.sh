# Several arguments per job: -n, -N, -X, -s, and the system's argument limits
# (a record too long to pass, and -X splitting 200,000 records into jobs that fit).
# shellcheck source=lib.sh disable=SC1083,SC2016 # literal braces and unexpanded $ are the point
source "$(dirname "$0")/lib.sh"

seq 5 >five.txt
seq 6 >six.txt

# --- -n: at most N arguments -----------------------------------------------------
run --stdin five.txt "$FANOUT" -k -n 2 echo
assert_status "-n 2: exit status" 0
assert_eq "-n 2: at most two arguments per job" $'1 2\n3 4\n5' "$OUT"
run --stdin five.txt "$FANOUT" -k --max-args 3 echo x
assert_eq "--max-args 3 after initial arguments" $'x 1 2 3\nx 4 5' "$OUT"
run --stdin five.txt "$FANOUT" -k -n 2 echo {#}: {}
assert_eq "-n 2: {#} numbers jobs, {} is all the job's arguments" $'1: 1 2\n2: 3 4\n3: 5' "$OUT"
run --stdin five.txt "$FANOUT" -k -n 10 -q sh -c 'echo $#' _
assert_eq "-n 10 with 5 records: one job with 5 separate arguments" "5" "$OUT"

# --- -N: exactly N, positional ----------------------------------------------------
run --stdin six.txt "$FANOUT" -k -N 2 echo {2} {1}
assert_eq "-N 2: {1} {2} are the job's two arguments" $'2 1\n4 3\n6 5' "$OUT"
run --stdin five.txt "$FANOUT" -k -N 2 echo x{2}y{1}
assert_eq "-N 2: the last job's missing {2} is empty" $'x2y1\nx4y3\nxy5' "$OUT"
run --stdin six.txt "$FANOUT" -k -N 3 echo
assert_eq "-N 3 without replacement strings appends the three" $'1 2 3\n4 5 6' "$OUT"
run --stdin six.txt "$FANOUT" -k -N 2 echo {#}
assert_eq "-N 2: {#} numbers jobs" $'1\n2\n3' "$OUT"
fresh_dir n0
run --input $'a\nb\nc\n' "$FANOUT" -k -N0 echo hi
assert_status "-N0: exit status" 0
assert_eq "-N0: once per record, no arguments" $'hi\nhi\nhi' "$OUT"
run "$FANOUT" -N0 touch made ::: a b
assert_no_file "-N0: the records are not passed (no files a, b)" a b
assert_file_exists "-N0: the command ran" made
cd "$T" || exit 1

# --- -X: as many as fit, with context replace -------------------------------------
run "$FANOUT" -j1 -X echo pre{} ::: a b
assert_eq "-X echo pre{}: the word is repeated per argument" "prea preb" "$OUT"
run "$FANOUT" -j1 -X echo pre{}post ::: a b
assert_eq "-X echo pre{}post: context on both sides" "preapost prebpost" "$OUT"
run "$FANOUT" -j1 -X echo {} ::: a b c
assert_eq "-X echo {}: one job" "a b c" "$OUT"
run "$FANOUT" -j1 -X echo x ::: a b c
assert_eq "-X without replacement string appends all" "x a b c" "$OUT"
run "$FANOUT" -X echo pre{} ::: a b c d
assert_eq "-X with default -j: every argument arrives once" $'prea\npreb\nprec\npred' \
    "$(tr ' ' '\n' <"$OUT_FILE" | sort)"

# --- -s: at most N characters per command line --------------------------------------
seq 100 >hundred.txt
run --stdin hundred.txt "$FANOUT" -k -j1 -X -s 50 echo
assert_status "-s 50: exit status" 0
assert_eq "-s 50: every argument arrives, in order" "$(seq 100 | tr '\n' ' ')" "$(tr '\n' ' ' <"$OUT_FILE" | tr -s ' ')"
assert_ge "-s 50: the arguments are split over several jobs" 3 "$(line_count "$OUT_FILE")"
assert_le "-s 50: no command line over 50 characters ('echo ' + args + NUL)" 44 \
    "$(awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' "$OUT_FILE")"
seq 20 >twenty.txt
run --stdin twenty.txt "$FANOUT" -k -j1 -X -s 20 echo
assert_eq "-s 20 packs the arguments as xargs -s 20 does" "$(xargs -s 20 echo <twenty.txt)" "$OUT"
run --stdin hundred.txt "$FANOUT" -k -j1 -X --max-chars 50 echo
assert_ge "--max-chars 50 is -s" 3 "$(line_count "$OUT_FILE")"

# --- a record longer than the system allows ------------------------------------------
{
    echo small1
    head -c 1048576 /dev/zero | tr '\0' x
    echo
    echo small2
    echo small3
} >huge.txt
check_huge() { # DESC FANOUT-ARGS...
    local desc=$1
    shift
    run --stdin huge.txt "$FANOUT" "$@"
    assert_status "$desc: one failed job (exit 1)" 1
    assert_eq "$desc: the other records ran" $'small1\nsmall2\nsmall3' \
        "$(tr ' ' '\n' <"$OUT_FILE" | grep -v '^$' | sort)"
    local report
    report=$(grep 'too long' "$ERR_FILE")
    assert_eq "$desc: one stderr line says 'too long'" 1 "$(grep -c 'too long' "$ERR_FILE")"
    assert_match "$desc: that line names record 2" '(^|[^0-9])2([^0-9]|$)' "$report"
    assert_le "$desc: stderr does not repeat the record" 1000 "$(stat -c %s "$ERR_FILE")"
}
check_huge "1 MiB record (direct)" -k echo
check_huge "1 MiB record (shell)" -k 'echo {} | cat'
check_huge "1 MiB record (-X)" -k -j1 -X echo
check_huge "1 MiB record (-n 2)" -k -n 2 echo
check_huge "1 MiB record (-q)" -k -q echo
rm -f huge.txt

# --- -X never exceeds the system's argument limit ------------------------------------
seq -f 'record%07g' 200000 >many.txt
run --timeout 120 --stdin many.txt "$FANOUT" -X -q sh -c 'echo $#' _
assert_status "-X over 200,000 records (direct): exit status" 0
assert_eq "-X over 200,000 records (direct): every record arrives" 200000 \
    "$(awk '{ s += $1 } END { print s + 0 }' "$OUT_FILE")"
assert_ge "-X over 200,000 records (direct): split into several jobs" 2 "$(line_count "$OUT_FILE")"
run --timeout 120 --stdin many.txt "$FANOUT" -X 'printf "%s\n" {} | wc -l'
assert_status "-X over 200,000 records (shell: one -c string): exit status" 0
assert_eq "-X over 200,000 records (shell): every record arrives" 200000 \
    "$(awk '{ s += $1 } END { print s + 0 }' "$OUT_FILE")"
assert_ge "-X over 200,000 records (shell): split into several jobs" 2 "$(line_count "$OUT_FILE")"
run --timeout 120 --stdin many.txt "$FANOUT" -n 200000 -q sh -c 'echo $#' _
assert_status "-n 200000 over 200,000 records: exit status" 0
assert_eq "-n 200000: every record arrives" 200000 "$(awk '{ s += $1 } END { print s + 0 }' "$OUT_FILE")"
assert_ge "-n 200000: the limit splits the records over several jobs" 2 "$(line_count "$OUT_FILE")"
run --timeout 120 --stdin many.txt "$FANOUT" -k -j1 -X echo
assert_eq "-X over 200,000 records: the arguments arrive in order" \
    "$(sha256sum <many.txt)" "$(tr ' ' '\n' <"$OUT_FILE" | sha256sum)"

end_of_tests
