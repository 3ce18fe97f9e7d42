#!/usr/bin/env bash
# Local jobs (no -S) with --workdir and --env: the directory is made when missing and
# entered per job, with replacement strings; --env passes through what jobs inherit
# anyway; what fanout does not do (--workdir ... here, --env _) is refused up front.
# differential_test.sh compares the cases GNU parallel runs alike.
# shellcheck source=lib.sh disable=SC1083,SC2016 # literal braces and unexpanded $ are the point
source "$(dirname "$0")/lib.sh"

# --- --workdir ---------------------------------------------------------------------------
fresh_dir wd
run "$FANOUT" -k --wd 'w/{}/x' 'echo {} ${PWD#'"$T/wd/"'}' ::: a 'b c'
assert_status "--wd with {}: exit status" 0
assert_eq "--wd with {}: each job in its own directory, made with its parents" $'a w/a/x\nb c w/b c/x' "$OUT"
run "$FANOUT" -k --workdir "$T/wd/w/a/x" pwd ::: 1
assert_eq "--workdir of an existing directory" "$T/wd/w/a/x" "$OUT"
run "$FANOUT" -k --workdir . pwd ::: 1
assert_eq "--workdir .: this directory" "$T/wd" "$OUT"

touch plain_file
run "$FANOUT" -k --workdir 'plain_file' echo ::: a
assert_status "--workdir that is a file: the job fails (126)" 1
assert_contains "--workdir that is a file: one line names it" \
    "fanout: job 1: --workdir 'plain_file': Not a directory" "$ERR"
run "$FANOUT" -k --workdir /proc/no/such/dir echo ::: a
assert_status "--workdir that cannot be made: the job fails" 1
assert_contains "--workdir that cannot be made: one line names it and why" \
    "fanout: job 1: --workdir '/proc/no/such/dir': cannot make it: " "$ERR"
assert_eq "--workdir that cannot be made: the job did not run" "" "$OUT"
mkdir -p ok
run "$FANOUT" -k -j1 --wd '{}' 'echo {} ran' ::: ok plain_file ok
assert_status "--wd per job: only the job whose directory fails, fails" 1
assert_eq "--wd per job: the other jobs ran" $'ok ran\nok ran' "$OUT"

run "$FANOUT" --workdir ... echo ::: a
assert_usage_error "--workdir ... without -S" "--workdir ..."
run "$FANOUT" --workdir '' echo ::: a
assert_usage_error "--workdir ''" "--workdir"

# A task's own "cwd" comes before --workdir.
mkdir -p t1 t2
run --input $'{"cmd":["pwd"],"cwd":"t1"}\n{"cmd":["pwd"]}\n' "$FANOUT" -k --workdir t2 --tasks -
assert_eq "--workdir with --tasks: a task's cwd wins, the others get --workdir" "$T/wd/t1"$'\n'"$T/wd/t2" "$OUT"

# --- --env -------------------------------------------------------------------------------
export FANOUT_WD_A=one
run "$FANOUT" -k --env FANOUT_WD_A,FANOUT_WD_UNSET --env FANOUT_WD_B 'echo "[$FANOUT_WD_A]"' ::: a
assert_status "--env without -S, set or not: exit status" 0
assert_eq "--env without -S: the jobs have our environment" "[one] a" "$OUT"
run "$FANOUT" --env _ echo ::: a
assert_usage_error "--env _" "--env _"
run "$FANOUT" --env 'A,not-a-name' echo ::: a
assert_usage_error "--env with a bad name in a list" "'not-a-name'"

end_of_tests
