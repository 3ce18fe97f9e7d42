# The command-line surface: --version, -h/--help, --dry-run, -t/--verbose.
# shellcheck source=lib.sh disable=SC1083,SC2016 # literal braces and unexpanded $ are the point
source "$(dirname "$0")/lib.sh"

# --- --version and --help ---------------------------------------------------------------
run "$FANOUT" --version
assert_status "--version: exit status" 0
assert_match "--version prints 'fanout X.Y.Z'" '^fanout [0-9]+\.[0-9]+\.[0-9]+$' "$OUT"
project_version=$(sed -n 's/^project(fanout VERSION \([0-9.]*\).*/\1/p' "$FANOUT_SRC/CMakeLists.txt")
assert_eq "--version matches the project version in CMakeLists.txt" "fanout $project_version" "$OUT"
for flag in -h --help; do
    run "$FANOUT" "$flag"
    assert_status "$flag: exit status" 0
    assert_match "$flag prints the usage" '[Uu]sage: *fanout' "$OUT"
    for option in --jobs --keep-order --dry-run --colsep --arg-file --tag; do
        assert_contains "$flag mentions $option" "$option" "$OUT"
    done
done

# --- --dry-run: print the commands, run nothing ----------------------------------------------
fresh_dir dry
run "$FANOUT" --dry-run -k touch ::: 'a b' c
assert_status "--dry-run: exit status" 0
assert_eq "--dry-run: ran nothing" "" "$(ls -A)"
assert_eq "--dry-run: one line per job" 2 "$(line_count "$OUT_FILE")"
assert_contains "--dry-run: shows the command" touch "$OUT"
cp "$OUT_FILE" "$T/dry.sh"
mkdir "$T/replay" && (cd "$T/replay" && sh "$T/dry.sh")
assert_eq "--dry-run output, run by sh, runs the jobs" $'a b\nc' "$(ls "$T/replay")"
run --input $'touch x\ntouch y | cat\n' "$FANOUT" --dry-run -k
assert_eq "--dry-run with a task list prints the lines" $'touch x\ntouch y | cat' "$OUT"
assert_eq "--dry-run with a task list: ran nothing" "" "$(ls -A)"
run "$FANOUT" --dry-run -k -X -j1 echo pre{} ::: a b
assert_status "--dry-run -X: exit status" 0
assert_eq "--dry-run -X: one command" 1 "$(line_count "$OUT_FILE")"
assert_eq "--dry-run -X, run by sh" "prea preb" "$(sh -c "$OUT")"
run "$FANOUT" --dry-run -q sh -c 'echo "$0"' ::: 'a b'
assert_eq "--dry-run -q, run by sh, keeps the words" "a b" "$(sh -c "$OUT")"
run "$FANOUT" --dry-run -k 'echo {} | tr a-z A-Z' ::: "it's" 'x;y'
assert_eq "--dry-run of a shell command, run by sh" $'IT\'S\nX;Y' "$(sh -c "$OUT")"
cd "$T" || exit 1

# --- -t / --verbose: print each command to stderr, and run it -----------------------------------
for flag in -t --verbose; do
    fresh_dir "verbose$RUN_N"
    run "$FANOUT" "$flag" -k touch ::: a 'b c'
    assert_status "$flag: exit status" 0
    assert_eq "$flag: the jobs ran" $'a\nb c' "$(ls)"
    assert_eq "$flag: nothing on stdout" "" "$OUT"
    assert_eq "$flag: one stderr line per job" 2 "$(line_count "$ERR_FILE")"
    assert_contains "$flag: stderr shows the command" "touch a" "$ERR"
done
cd "$T" || exit 1
run "$FANOUT" -t echo ::: 'x  y'
assert_eq "-t: the job's output still goes to stdout" "x  y" "$OUT"
assert_eq "-t: the printed command, run by sh, does the same" "x  y" "$(sh -c "$ERR")"

# --- refusals in fanout's words: one line naming the option and what it expects ----------------------
run "$FANOUT" -j
assert_usage_error "-j without a value" "-j/--jobs: no value given (expected N)"
run "$FANOUT" --color sometimes echo ::: a
assert_usage_error "--color sometimes" "--color: invalid value 'sometimes' (expected auto, always or never)"
run "$FANOUT" --color
assert_usage_error "--color without a value" "--color: no value given (expected auto, always or never)"
run "$FANOUT" -j 1 -j 2 echo ::: a
assert_status "-j given twice: the last one counts, as in GNU parallel" 0
run "$FANOUT" --tag=xyz echo ::: a
assert_usage_error "a flag given a value" "--tag: takes no value"
run "$FANOUT" --keep-order=false echo ::: a
assert_usage_error "a flag given false" "-k/--keep-order: takes no value"
run "$FANOUT" -k -u echo ::: a
assert_usage_error "-k -u" "-k/--keep-order cannot be used with -u/--ungroup"
run "$FANOUT" --resume echo ::: a
assert_usage_error "--resume alone" "--resume requires --joblog"

# --- a directory given as the command ------------------------------------------------------------------
run "$FANOUT" /tmp ::: a
assert_status "a directory as the command: the job failed" 1
assert_contains "a directory as the command: 'Is a directory'" "fanout: /tmp: Is a directory" "$ERR"
assert_not_contains "a directory as the command: not 'Permission denied'" "Permission denied" "$ERR"

# --- a password in -S user:pw@host: refused, and never shown ------------------------------------------
run "$FANOUT" -S 'user:s3cr3t-pw@host.invalid' echo ::: a
assert_usage_error "-S with a password" "a password in the login is not supported"
assert_not_contains "-S with a password: the password is not in the message" "s3cr3t-pw" "$ERR"
printf '2/user:s3cr3t-pw@host.invalid\n' >"$T/logins"
run "$FANOUT" --sshloginfile "$T/logins" echo ::: a
assert_usage_error "--sshloginfile with a password" "a password in the login is not supported"
assert_not_contains "--sshloginfile with a password: the password is not in the message" "s3cr3t-pw" "$ERR"

end_of_tests
