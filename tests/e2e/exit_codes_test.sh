# Exit codes: 0 when all jobs succeed, 1..100 the number of failed jobs, 101 above 100,
# 255 for usage errors (one 'fanout: error:' line, no job started); a command that is
# not found is one failed job.
# shellcheck source=lib.sh disable=SC1083,SC2016 # literal braces and unexpanded $ are the point
source "$(dirname "$0")/lib.sh"

# --- counting failed jobs ---------------------------------------------------------------
run "$FANOUT" true ::: a b c
assert_status "all jobs succeed: 0" 0
run "$FANOUT" 'exit {}' ::: 0 1 2 3
assert_status "'exit {}' ::: 0 1 2 3: three failed jobs" 3
run "$FANOUT" 'exit {}' ::: 7
assert_status "one job exiting 7: the count of failed jobs (1), not its status" 1
run "$FANOUT" 'exit {}' ::: 200 0 0
assert_status "one job exiting 200: 1" 1
run --input "$(seq 5)" "$FANOUT" false
assert_status "5 failures: 5" 5
run --input "$(seq 100)" "$FANOUT" false
assert_status "100 failures: 100" 100
run --input "$(seq 101)" "$FANOUT" false
assert_status "101 failures: 101" 101
run --input "$(seq 150)" "$FANOUT" false
assert_status "150 failures: 101" 101
run "$FANOUT" -k 'echo {}; exit {}' ::: 0 1 0 2
assert_eq "the jobs after a failure still run" $'0\n1\n0\n2' "$OUT"
assert_status "two failures among four: 2" 2
run "$FANOUT" 'kill -9 $$; : {}' ::: a
assert_status "a job killed by a signal is a failed job" 1
run "$FANOUT" -N 2 'exit {1}' ::: 1 2 3 4
assert_status "-N 2: failures count jobs, not arguments" 2
run "$FANOUT" -X 'exit 1; : {}' ::: a b c
assert_ge "-X: a failed job counts once per job" 1 "$STATUS"
assert_le "-X: a failed job counts once per job (at most one per slot)" "$(nproc)" "$STATUS"
run --input $'true\nfalse\nexit 3\n' "$FANOUT"
assert_status "task list: two failed lines" 2

# --- a command that is not found ----------------------------------------------------------
run --input $'echo ok1\nno_such_command_fanout_e2e\necho ok2\n' "$FANOUT" -k
assert_status "command not found (task list, direct): one failed job" 1
assert_eq "command not found: the other jobs ran" $'ok1\nok2' "$OUT"
assert_contains "command not found: stderr names the command" no_such_command_fanout_e2e "$ERR"
run "$FANOUT" -k no_such_command_fanout_e2e ::: a b
assert_status "command not found for two jobs: 2" 2
assert_contains "command not found (template): stderr names the command" no_such_command_fanout_e2e "$ERR"
run "$FANOUT" -k '{}' ::: 'echo' 'no_such_command_fanout_e2e' 'true'
assert_status "a value used as command name that is not found: 1" 1
run "$FANOUT" -k 'no_such_command_fanout_e2e; exit $?' ::: a
assert_status "command not found in a shell command: 1" 1
assert_contains "command not found in a shell command: stderr names the command" no_such_command_fanout_e2e "$ERR"
touch not_executable.sh
run "$FANOUT" "$T/not_executable.sh" ::: a
assert_status "a file that cannot be executed: one failed job" 1
assert_contains "a file that cannot be executed: stderr names it" not_executable.sh "$ERR"

# --- usage errors: 255, one line, no job started -------------------------------------------
usage_error() { # DESC NEEDLE FANOUT-ARGS... (the command creates ./ran and ./a if it runs)
    local desc=$1 needle=$2
    shift 2
    fresh_dir "usage$((RUN_N + 1))"
    run "$FANOUT" "$@"
    assert_usage_error "$desc" "$needle"
    assert_no_file "$desc: no job started" ran a b
    cd "$T" || exit 1
}
printf 'a\n' >"$T/good.txt"
usage_error "unknown option --bogus" --bogus --bogus touch ran ::: a
usage_error "unknown short option -Z" -Z -Z touch ran ::: a
usage_error "unreadable -a file" missing-input.txt -a missing-input.txt touch ran
usage_error "unreadable -a file after a good one" missing-input.txt -a "$T/good.txt" -a missing-input.txt touch ran
usage_error "unreadable -a file before a good one" missing-input.txt -a missing-input.txt -a "$T/good.txt" touch ran
usage_error "unreadable :::: file" missing-input.txt touch ran :::: missing-input.txt
usage_error "a directory as -a file" "$T" -a "$T" touch ran
usage_error "bad --colsep regex" colsep --colsep '[' touch ran ::: a
usage_error "bad --colsep regex (unbalanced parenthesis)" colsep --colsep '(a' touch ran ::: a
usage_error "unterminated {1" '{1' touch ran '{1' ::: a
usage_error "unterminated {." '{.' touch ran '{.' ::: a
usage_error "unterminated {/" '{/' touch ran '{/' ::: a
usage_error "-n -1" -n -n -1 touch ran ::: a
usage_error "-d ab" -d -d ab touch ran ::: a
usage_error "--shell /nonexistent" /nonexistent --shell /nonexistent 'touch ran | cat' ::: a
usage_error "-j abc" -j -j abc touch ran ::: a
usage_error ":::+ with -a" "':::+' cannot be used with -a" -a "$T/good.txt" touch ran :::+ a
usage_error "::::+ with -a" "'::::+' cannot be used with -a" -a "$T/good.txt" touch ran ::::+ "$T/good.txt"
usage_error "{00}" "'{00}'" touch ran '{00}' ::: a
usage_error "-r with --pipe" "-r: --pipe" -r --pipe touch ran

end_of_tests
