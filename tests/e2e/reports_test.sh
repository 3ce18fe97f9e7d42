# Reports: --joblog (GNU parallel's format, +FILE, written as jobs finish), --resume and
# --resume-failed, --results (JSON Lines, to a file or stdout, with --results-output and
# its base64 rule for output that is not UTF-8), --junit (validated against
# tests/data/junit.xsd), and the failure summary at the end of a run.
# Needs jq and xmllint (libxml2-utils); scripts/dev.sh installs both.
# shellcheck source=lib.sh disable=SC1083,SC2016,SC2317 # literal braces and unexpanded $ are the point; wait_until calls the small functions
source "$(dirname "$0")/lib.sh"

SCHEMA=$FANOUT_SRC/tests/data/junit.xsd

# joblog_field FILE SEQ COLUMN: one field of the line of job SEQ (columns from 1).
joblog_field() {
    awk -F'\t' -v seq="$2" -v col="$3" 'NR > 1 && $1 == seq { print $col }' "$1"
}

# joblog_seqs FILE: the sequence numbers logged, sorted, one per line.
joblog_seqs() {
    awk -F'\t' 'NR > 1 { print $1 }' "$1" | sort -n
}

# json_field FILE SEQ JQ_FILTER: a field of the --results object of job SEQ.
json_field() {
    jq -r --argjson seq "$2" "select(.seq == \$seq) | $3" "$1"
}

# xpath FILE EXPR: the value of an XPath expression over a JUnit file.
xpath() {
    xmllint --xpath "$2" "$1" 2>/dev/null
}

validates() {
    xmllint --noout --schema "$SCHEMA" "$1" 2>/dev/null
}

assert_true "jq is installed (scripts/dev.sh installs it)" have jq
assert_true "xmllint is installed (scripts/dev.sh installs libxml2-utils)" have xmllint

# --- --joblog: the format ----------------------------------------------------------------------------
fresh_dir joblog
printf '%s\n' 'printf abcde' 'kill -9 $$' 'exit 3' "nosuchcommand_$MARK" 'echo to stderr >&2' 'sleep 0.3' >jobs.txt
before=$(date +%s)
run --stdin jobs.txt "$FANOUT" -j2 --joblog log.tsv
after=$(date +%s)
assert_status "joblog run: three jobs failed" 3
header=$'Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand'
assert_eq "joblog: GNU parallel's header" "$header" "$(head -n 1 log.tsv)"
assert_eq "joblog: one line per job after the header" 7 "$(line_count log.tsv)"
assert_eq "joblog: every job once" "$(seq 6)" "$(joblog_seqs log.tsv)"
assert_eq "joblog: every line has 9 tab-separated fields" "" "$(awk -F'\t' 'NF != 9' log.tsv)"
assert_eq "joblog: Host is ':'" "" "$(awk -F'\t' 'NR > 1 && $2 != ":"' log.tsv)"
assert_eq "joblog: Starttime is epoch seconds with 3 decimals" "" \
    "$(awk -F'\t' 'NR > 1 && $3 !~ /^[0-9]+\.[0-9][0-9][0-9]$/' log.tsv)"
assert_eq "joblog: Starttime lies within the run" "" \
    "$(awk -F'\t' -v b="$before" -v a="$after" 'NR > 1 && ($3 < b - 1 || $3 > a + 1)' log.tsv)"
assert_eq "joblog: JobRuntime is %10.3f" "" "$(awk -F'\t' 'NR > 1 && ($4 !~ /^ *[0-9]+\.[0-9][0-9][0-9]$/ || length($4) < 10)' log.tsv)"
assert_eq "joblog: Send is 0" "" "$(awk -F'\t' 'NR > 1 && $5 != 0' log.tsv)"
assert_eq "joblog: Receive counts stdout bytes" 5 "$(joblog_field log.tsv 1 6)"
assert_eq "joblog: Receive ignores stderr" 0 "$(joblog_field log.tsv 5 6)"
assert_eq "joblog: a success: Exitval 0 Signal 0" "0 0" "$(joblog_field log.tsv 1 7) $(joblog_field log.tsv 1 8)"
assert_eq "joblog: kill -9 \$\$: Exitval 0 Signal 9" "0 9" "$(joblog_field log.tsv 2 7) $(joblog_field log.tsv 2 8)"
assert_eq "joblog: exit 3: Exitval 3 Signal 0" "3 0" "$(joblog_field log.tsv 3 7) $(joblog_field log.tsv 3 8)"
assert_eq "joblog: a command not found: Exitval 127" 127 "$(joblog_field log.tsv 4 7)"
assert_eq "joblog: Command is the command run" 'kill -9 $$' "$(joblog_field log.tsv 2 9)"
assert_true "joblog: JobRuntime of 'sleep 0.3' is at least 0.25 s" \
    awk -v r="$(joblog_field log.tsv 6 4)" 'BEGIN { exit !(r >= 0.25) }'

# -0: a ::: value with a newline would be two values (as in GNU parallel).
run "$FANOUT" -0 --joblog nl.tsv 'echo {} >/dev/null' ::: $'two\nlines' $'tab\there'
assert_eq "joblog: a command with a newline or tab stays one line" 3 "$(line_count nl.tsv)"
assert_eq "joblog: ... of 9 fields" "" "$(awk -F'\t' 'NF != 9' nl.tsv)"

# +FILE appends; FILE starts afresh.
run "$FANOUT" --joblog +append.tsv true ::: a
assert_eq "+FILE on a new file: header and one line" 2 "$(line_count append.tsv)"
run "$FANOUT" --joblog +append.tsv true ::: b c
assert_eq "+FILE: appends, the header once" 4 "$(line_count append.tsv)"
assert_eq "+FILE: one header" 1 "$(grep -c '^Seq' append.tsv)"
assert_eq "+FILE: the first line is still the header" "$header" "$(head -n 1 append.tsv)"
run "$FANOUT" --joblog append.tsv true ::: d
assert_eq "FILE without +: truncated, header and one line" 2 "$(line_count append.tsv)"
run "$FANOUT" --joblog "$T/no/such/dir/log.tsv" 'touch started.{#}' ::: a
assert_usage_error "--joblog in a missing directory" "--joblog"
assert_no_file "--joblog in a missing directory: no job started" started.1

# A line is written as each job finishes, not at the end.
start_fanout -j2 --joblog live.tsv 'sleep {}' ::: 0 "60.$MARK"
first_logged() { grep -q $'^1\t' live.tsv 2>/dev/null; }
assert_true "joblog: a finished job's line is there while another job still runs" wait_until 20 first_logged
kill -TERM "$FANOUT_PID"
wait_exit 20
assert_eq "joblog: the run stopped by SIGTERM" 143 "$STATUS"
assert_eq "joblog: the job killed by SIGTERM is logged too" "0 15" \
    "$(joblog_field live.tsv 2 7) $(joblog_field live.tsv 2 8)"

# --- --resume after an interrupted run -------------------------------------------------------------------
fresh_dir resume
seq 20 >input.txt
start_fanout --stdin input.txt -j2 --joblog log.tsv 'sleep 0.2; echo {}'
half_logged() { [ "$(line_count log.tsv 2>/dev/null || echo 0)" -ge 9 ]; }
assert_true "--resume: the first run gets halfway" wait_until 30 half_logged
kill -INT "$FANOUT_PID"
wait_exit 30
assert_eq "--resume: the first run ends by SIGINT" 130 "$STATUS"
logged_first=$(joblog_seqs log.tsv)
assert_true "--resume: the first run did not finish every job" [ "$(echo "$logged_first" | wc -l)" -lt 20 ]
expected_rest=$(comm -23 <(seq 20 | sort) <(echo "$logged_first" | sort) | sort -n)
run --stdin input.txt "$FANOUT" -j2 --resume --joblog log.tsv 'sleep 0.2; echo {}'
assert_status "--resume: exit 0" 0
assert_eq "--resume: runs exactly the jobs missing from the joblog" "$expected_rest" "$(sort -n "$OUT_FILE")"
assert_eq "--resume: the joblog now has every job once" "$(seq 20)" "$(joblog_seqs log.tsv)"
assert_eq "--resume: appends (one header)" 1 "$(grep -c '^Seq' log.tsv)"
run --stdin input.txt "$FANOUT" -j2 --resume --joblog log.tsv 'sleep 0.2; echo {}'
assert_status "--resume, nothing left: exit 0" 0
assert_eq "--resume, nothing left: nothing runs" "" "$OUT"
assert_eq "--resume, nothing left: nothing is logged" 21 "$(line_count log.tsv)"
# The same seq with another command is another job.
run --stdin input.txt "$FANOUT" -j4 --resume --joblog log.tsv 'echo other {}'
assert_eq "--resume: a changed command runs every job again" 20 "$(line_count "$OUT_FILE")"

# --- --resume-failed ------------------------------------------------------------------------------------------
fresh_dir resume_failed
job='echo {} >> ran; case {} in 3|6|9) [ -e fixed ] ;; esac'
run "$FANOUT" -j3 --joblog log.tsv "$job" ::: $(seq 9)
assert_status "--resume-failed: the first run has 3 failures" 3
touch fixed
rm -f ran
run "$FANOUT" -j3 --resume-failed --joblog log.tsv "$job" ::: $(seq 9)
assert_status "--resume-failed: the failed jobs now succeed" 0
assert_eq "--resume-failed: reruns exactly the failed jobs" $'3\n6\n9' "$(sort -n ran 2>/dev/null)"
assert_eq "--resume-failed: appends to the joblog" 13 "$(line_count log.tsv)"
assert_eq "--resume-failed: one header" 1 "$(grep -c '^Seq' log.tsv)"
rm -f ran
run "$FANOUT" -j3 --resume-failed --joblog log.tsv "$job" ::: $(seq 9)
assert_status "--resume-failed, all succeeded by now: exit 0" 0
assert_no_file "--resume-failed, all succeeded by now: nothing runs" ran
# Killed jobs are failures too; --resume skips them, --resume-failed runs them.
printf '%s\n' 'echo a >> ran' "sleep 60.$MARK; echo b >> ran" >jobs.txt
start_fanout --stdin jobs.txt -j2 --joblog killed.tsv
b_running() { pgrep -f "^sleep 60\.$MARK" >/dev/null && [ -s ran ]; }
assert_true "--resume-failed: the long job runs" wait_until 20 b_running
kill -INT "$FANOUT_PID"
wait_exit 20
assert_eq "--resume-failed: the interrupted run logged both jobs" $'1\n2' "$(joblog_seqs killed.tsv)"
rm -f ran
run --stdin jobs.txt "$FANOUT" -j2 --resume --joblog killed.tsv
assert_no_file "--resume: a killed job is not run again" ran
assert_eq "--resume: nothing new in the joblog" $'1\n2' "$(joblog_seqs killed.tsv)"
run --stdin jobs.txt "$FANOUT" -j2 --timeout 0.2 --resume-failed --joblog killed.tsv
assert_status "--resume-failed: the killed job ran again (and timed out)" 1
assert_eq "--resume-failed: only the killed job ran again" $'1\n2\n2' "$(joblog_seqs killed.tsv)"
assert_no_file "--resume-failed: the job that succeeded is not run again" ran
assert_eq "--resume-failed: nothing is left" "" "$(pgrep -f "^sleep 60\.$MARK")"

# Both need --joblog.
run "$FANOUT" --resume 'touch started.{#}' ::: a
assert_usage_error "--resume without --joblog" "--joblog"
assert_no_file "--resume without --joblog: no job started" started.1
run "$FANOUT" --resume-failed 'touch started.{#}' ::: a
assert_usage_error "--resume-failed without --joblog" "--joblog"

# --- --results: JSON Lines -------------------------------------------------------------------------------------
fresh_dir results
printf '%s\n' 'echo hi' 'exit 3' 'kill -TERM $$' 'sleep 30' "nosuchcommand_$MARK" 'sleep 0.3' >jobs.txt
before=$(date +%s)
run --stdin jobs.txt "$FANOUT" -j3 --timeout 1 --results r.jsonl
after=$(date +%s)
assert_status "--results run: four jobs failed" 4
assert_eq "--results: one line per job" 6 "$(line_count r.jsonl)"
if have jq; then
    assert_eq "--results: every line is one JSON object" "" \
        "$(while IFS= read -r line; do jq -e 'type == "object"' <<<"$line" >/dev/null 2>&1 || echo "bad: $line"; done <r.jsonl)"
    expected_keys=args,attempts,command,duration,exit_code,host,max_rss_kib,seq,signal,slot,start,started,stderr_bytes,stdin_bytes,stdout_bytes,system_cpu,timed_out,user_cpu
    assert_eq "--results: the fields" "$expected_keys" "$(jq -r 'keys | join(",")' r.jsonl | sort -u)"
    assert_eq "--results: field types" "" "$(jq -c 'select(
        (.seq | type) != "number" or (.slot | type) != "number" or .slot < 1 or .host != ":" or
        (.command | type) != "string" or (.args | type) != "array" or (.start | type) != "string" or
        (.duration | type) != "number" or .duration < 0 or (.exit_code | type) != "number" or
        ((.signal | type) != "null" and (.signal | type) != "string") or (.timed_out | type) != "boolean" or
        (.started | type) != "boolean" or (.attempts | type) != "number" or (.user_cpu | type) != "number" or
        (.system_cpu | type) != "number" or (.max_rss_kib | type) != "number" or
        (.stdout_bytes | type) != "number" or (.stderr_bytes | type) != "number")' r.jsonl || echo "jq failed")"
    assert_eq "--results: start is RFC 3339 UTC with milliseconds" "" \
        "$(jq -r '.start | select(test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$") | not)' r.jsonl || echo "jq failed")"
    assert_eq "--results: start lies within the run" "" \
        "$(jq -r --argjson b "$before" --argjson a "$after" \
            '.start | sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601 | select(. < $b - 1 or . > $a + 1)' r.jsonl || echo "jq failed")"
    assert_eq "--results: seqs 1..6" "$(seq 6)" "$(jq -r .seq r.jsonl | sort -n)"
    assert_eq "--results: a success" '"echo hi" 0 null false true 1 3 0' \
        "$(json_field r.jsonl 1 '[.command, .exit_code, .signal, .timed_out, .started, .attempts, .stdout_bytes, .stderr_bytes] | map(tojson) | join(" ")')"
    assert_eq "--results: exit 3" "3 null" "$(json_field r.jsonl 2 '"\(.exit_code) \(.signal)"')"
    assert_eq "--results: killed by SIGTERM: signal is its name" TERM "$(json_field r.jsonl 3 .signal)"
    assert_eq "--results: timed out" "true" "$(json_field r.jsonl 4 .timed_out)"
    assert_eq "--results: timed out: the signal that ended it" TERM "$(json_field r.jsonl 4 .signal)"
    assert_eq "--results: not found: started false, exit 127" "false 127" \
        "$(json_field r.jsonl 5 '"\(.started) \(.exit_code)"')"
    assert_eq "--results: duration of 'sleep 0.3' is at least 0.25" true "$(json_field r.jsonl 6 '.duration >= 0.25')"
    assert_eq "--results: slots are within -j3" "" "$(jq -r 'select(.slot > 3) | .seq' r.jsonl || echo "jq failed")"
    assert_eq "--results: no output fields without --results-output" "" "$(jq -r 'select(has("stdout") or has("stdout_base64")) | .seq' r.jsonl || echo "jq failed")"

    run "$FANOUT" -k --results args.jsonl echo ::: 'a b' c ::: 1
    assert_eq "--results: args, one per input source" '["a b","1"]' "$(json_field args.jsonl 1 '.args | tojson')"
    assert_eq "--results: the command as run" "echo 'a b' 1" "$(json_field args.jsonl 1 .command)"
    assert_eq "--results: the job's output still goes to stdout" $'a b 1\nc 1' "$OUT"

    # --results -: the report on stdout.
    run "$FANOUT" -j2 --results - true ::: a b c
    assert_status "--results -: exit 0" 0
    assert_eq "--results -: three lines on stdout" 3 "$(line_count "$OUT_FILE")"
    assert_eq "--results -: each a job's object" "$(seq 3)" "$(jq -r .seq "$OUT_FILE" | sort -n)"
    assert_eq "--results -: nothing on stderr" "" "$ERR"
fi
run "$FANOUT" --results "$T/no/such/dir/r.jsonl" 'touch started.{#}' ::: a
assert_usage_error "--results in a missing directory" "--results"
assert_no_file "--results in a missing directory: no job started" started.1
run "$FANOUT" --results-output 'touch started.{#}' ::: a
assert_usage_error "--results-output without --results" "--results"

# --- --results-output --------------------------------------------------------------------------------------
fresh_dir results_output
# Every byte value: not UTF-8, so it must come back whole through base64.
for ((i = 0; i < 256; i++)); do printf '%b' "\\0$(printf %03o "$i")"; done >bytes.bin
printf 'héllo wörld ☃ \\ "quoted" \t tab\nsecond line\n' >utf8.txt
printf 'a\000b' >nul.bin
head -c 1100000 /dev/zero | tr '\0' a >big.txt
printf '%s\n' 'cat bytes.bin' 'cat utf8.txt; cat bytes.bin >&2' 'cat nul.bin' 'cat big.txt' 'true' >jobs.txt
run --stdin jobs.txt "$FANOUT" -j2 --results r.jsonl --results-output
assert_status "--results-output: exit 0" 0
if have jq; then
    assert_eq "--results-output: binary stdout: only stdout_base64" "false true" \
        "$(json_field r.jsonl 1 '"\(has("stdout")) \(has("stdout_base64"))"')"
    json_field r.jsonl 1 .stdout_base64 | base64 -d >back1.bin
    assert_file_eq "--results-output: stdout_base64 decodes to the exact bytes" bytes.bin back1.bin
    assert_eq "--results-output: binary stdout: not truncated, 256 bytes" "false 256" \
        "$(json_field r.jsonl 1 '"\(.stdout_truncated) \(.stdout_bytes)"')"
    jq -j --argjson seq 2 'select(.seq == $seq) | .stdout' r.jsonl >back2.txt
    assert_file_eq "--results-output: UTF-8 stdout is a plain string, exact" utf8.txt back2.txt
    json_field r.jsonl 2 .stderr_base64 | base64 -d >back2.bin
    assert_file_eq "--results-output: each stream decides alone: stderr_base64" bytes.bin back2.bin
    assert_eq "--results-output: UTF-8 stdout has no base64 field, binary stderr no string" "false false" \
        "$(json_field r.jsonl 2 '"\(has("stdout_base64")) \(has("stderr"))"')"
    jq -j --argjson seq 3 'select(.seq == $seq) | .stdout' r.jsonl >back3.bin
    assert_file_eq "--results-output: a NUL byte is valid UTF-8 (\\u0000)" nul.bin back3.bin
    assert_eq "--results-output: over 1 MiB: cut at 1 MiB, marked truncated, bytes counted" "1048576 true 1100000" \
        "$(json_field r.jsonl 4 '"\(.stdout | length) \(.stdout_truncated) \(.stdout_bytes)"')"
    assert_eq "--results-output: no output: empty strings" '"" "" false false' \
        "$(json_field r.jsonl 5 '[.stdout, .stderr, .stdout_truncated, .stderr_truncated] | map(tojson) | join(" ")')"
fi
cat bytes.bin utf8.txt nul.bin big.txt >expected_stdout.bin
run --stdin jobs.txt "$FANOUT" -k --results r2.jsonl --results-output
assert_file_eq "--results-output: fanout's own stdout is unchanged" expected_stdout.bin "$OUT_FILE"

# --- --junit -------------------------------------------------------------------------------------------------------
fresh_dir junit
for ((i = 0; i < 256; i++)); do printf '%b' "\\0$(printf %03o "$i")"; done >bytes.bin
printf '%s\n' 'echo pass; echo diag >&2' 'echo "<&>\"" ; exit 3' 'sleep 30' 'cat bytes.bin' 'kill -TERM $$' \
    "nosuchcommand_$MARK" >jobs.txt
run --stdin jobs.txt "$FANOUT" -j3 --timeout 0.5 --junit report.xml
assert_status "--junit run: four jobs failed" 4
assert_file_exists "--junit: the report exists" report.xml
if have xmllint; then
    assert_true "--junit: the report validates against tests/data/junit.xsd" validates report.xml
    xmllint --noout --schema "$SCHEMA" report.xml 2>&1 | grep -v 'validates$' | head -n 5
    assert_eq "--junit: one testcase per job" 6 "$(xpath report.xml 'count(//testcase)')"
    assert_eq "--junit: testsuite tests" 6 "$(xpath report.xml 'string(/testsuites/testsuite/@tests)')"
    assert_eq "--junit: testsuite failures" 4 "$(xpath report.xml 'string(/testsuites/testsuite/@failures)')"
    assert_eq "--junit: classname fanout" 6 "$(xpath report.xml 'count(//testcase[@classname="fanout"])')"
    assert_eq "--junit: name 'SEQ: command'" "1: echo pass; echo diag >&2" \
        "$(xpath report.xml 'string(//testcase[starts-with(@name, "1: ")]/@name)')"
    assert_eq "--junit: a passing job has no failure" 0 "$(xpath report.xml 'count(//testcase[starts-with(@name, "1: ")]/failure)')"
    assert_eq "--junit: captured stdout in system-out" "pass" \
        "$(xpath report.xml 'string(//testcase[starts-with(@name, "1: ")]/system-out)')"
    assert_eq "--junit: captured stderr in system-err" "diag" \
        "$(xpath report.xml 'string(//testcase[starts-with(@name, "1: ")]/system-err)')"
    assert_eq "--junit: exit failure" exit "$(xpath report.xml 'string(//testcase[starts-with(@name, "2: ")]/failure/@type)')"
    assert_contains "--junit: the exit failure's message has the code" 3 \
        "$(xpath report.xml 'string(//testcase[starts-with(@name, "2: ")]/failure/@message)')"
    assert_eq "--junit: markup in output is escaped" '<&>"' \
        "$(xpath report.xml 'string(//testcase[starts-with(@name, "2: ")]/system-out)')"
    assert_eq "--junit: timeout failure" timeout "$(xpath report.xml 'string(//testcase[starts-with(@name, "3: ")]/failure/@type)')"
    assert_eq "--junit: signal failure" signal "$(xpath report.xml 'string(//testcase[starts-with(@name, "5: ")]/failure/@type)')"
    assert_eq "--junit: a command not found fails" 1 "$(xpath report.xml 'count(//testcase[starts-with(@name, "6: ")]/failure)')"
    assert_contains "--junit: bytes that are not UTF-8 become U+FFFD" "�" \
        "$(xpath report.xml 'string(//testcase[starts-with(@name, "4: ")]/system-out)')"
    assert_contains "--junit: printable ASCII of binary output is kept" "ABCDEFGHIJKLMNOPQRSTUVWXYZ" \
        "$(xpath report.xml 'string(//testcase[starts-with(@name, "4: ")]/system-out)')"
fi
assert_no_file "--junit: no temporary file is left beside the report" report.xml.fanout-tmp

run "$FANOUT" --junit empty.xml true </dev/null
assert_status "--junit, no jobs: exit 0" 0
if have xmllint; then
    assert_true "--junit, no jobs: an empty report that validates" validates empty.xml
    assert_eq "--junit, no jobs: tests 0" 0 "$(xpath empty.xml 'string(/testsuites/testsuite/@tests)')"
fi

seq 100000 >big.txt
run "$FANOUT" --junit big.xml 'cat big.txt; : {}' ::: a
if have xmllint; then
    assert_true "--junit, large output: validates" validates big.xml
    system_out=$(xpath big.xml 'string(//testcase/system-out)')
    assert_le "--junit, large output: at most 64 KiB (and a marker) are kept" 65600 "${#system_out}"
    assert_contains "--junit, large output: the cut is marked" "[... truncated]" "$system_out"
    assert_contains "--junit, large output: the first 64 KiB are kept" $'1\n2\n3\n4\n5\n' "$system_out"
fi
run "$FANOUT" --junit "$T/no/such/dir/j.xml" 'touch started.{#}' ::: a
assert_usage_error "--junit in a missing directory" "--junit"
assert_no_file "--junit in a missing directory: no job started" started.1

# The file is rewritten as the run goes on, each time whole.
start_fanout -j3 --junit live.xml 'sleep {}' ::: 0 1.2 "60.$MARK"
two_reported() { [ "$(xpath live.xml 'string(/testsuites/testsuite/@tests)')" == 2 ]; }
assert_true "--junit: rewritten while the run goes on (2 jobs done)" wait_until 20 two_reported
if have xmllint; then
    assert_true "--junit: the file written during the run validates" validates live.xml
fi
kill -TERM "$FANOUT_PID"
wait_exit 20
assert_eq "--junit: the run ended by SIGTERM" 143 "$STATUS"
if have xmllint; then
    assert_eq "--junit: the final report has every job" 3 "$(xpath live.xml 'count(//testcase)')"
    assert_true "--junit: the final report validates" validates live.xml
fi
assert_true "--junit: nothing is left running" wait_until 5 no_leftover

# --- the failure summary -------------------------------------------------------------------------------------
fresh_dir summary
run "$FANOUT" -j1 'exit {}' ::: 0 1 2 3 4 5 6 7 8 9 10 11 12 0 0
assert_status "summary: 12 jobs failed" 12
mapfile -t lines <"$ERR_FILE"
assert_eq "summary: the count line" "fanout: 12 of 15 jobs failed:" "${lines[0]:-}"
assert_eq "summary: 10 job lines" 10 "$(grep -c '^  job ' "$ERR_FILE")"
assert_eq "summary: the first job line" "  job 2 (exit 1): exit 1" "${lines[1]:-}"
assert_eq "summary: the tenth job line" "  job 11 (exit 10): exit 10" "${lines[10]:-}"
assert_eq "summary: then the rest counted" "  ... and 2 more" "${lines[11]:-}"
assert_eq "summary: nothing after it" 12 "${#lines[@]}"

run "$FANOUT" -j1 'exit {}' ::: 1 2 3 4 5 6 7 8 9 10
assert_eq "summary: exactly 10 failures: no '... and' line" 0 "$(grep -c 'more$' "$ERR_FILE")"
assert_eq "summary: exactly 10 failures: 11 lines" 11 "$(line_count "$ERR_FILE")"

printf '%s\n' 'kill -KILL $$' "nosuchcommand_$MARK" 'sleep 30' 'exit 0' >jobs.txt
run --stdin jobs.txt "$FANOUT" -j1 --timeout 0.3
assert_status "summary: three kinds of failure" 3
assert_contains "summary: the count" "fanout: 3 of 4 jobs failed:" "$ERR"
assert_contains "summary: a signal" '  job 1 (signal KILL): kill -KILL $$' "$ERR"
assert_contains "summary: command not found" "  job 2 (command not found): nosuchcommand_$MARK" "$ERR"
assert_contains "summary: timed out" "  job 3 (timed out): sleep 30" "$ERR"
assert_not_contains "summary: succeeded jobs are not listed" "job 4" "$ERR"

# A command's control bytes would act on the terminal (ESC [2J clears it): they are
# shown as \t, \n, \r and \xHH, as are bytes that are not UTF-8; é stays as it is.
printf 'exit 3 # \033[2J\a\r\177\t\303\251\377\302\233 end\0exit 4 # two\nlines\0' >control.nul
run --stdin control.nul "$FANOUT" -0 -k -j1
assert_status "summary: commands with control bytes: two failed" 2
assert_contains "summary: control bytes and bad UTF-8 escaped" \
    '  job 1 (exit 3): exit 3 # \x1b[2J\x07\r\x7f\té\xff\xc2\x9b end' "$ERR"
assert_contains "summary: a newline escaped" '  job 2 (exit 4): exit 4 # two\nlines' "$ERR"
assert_eq "summary: no control byte but the line ends reaches stderr" "" \
    "$(LC_ALL=C tr -d '\n' <"$ERR_FILE" | LC_ALL=C tr -d '\040-\176\303\251' | od -An -c)"
printf '%s\n' '{"id":"\u001b[2J","cmd":"exit 6"}' >control.jsonl
run "$FANOUT" --tasks control.jsonl
assert_contains "summary: a task id's control bytes escaped" '  job 1 (task "\x1b[2J", exit 6): exit 6' "$ERR"
# 118 characters, then ESC: "\x1b" would pass 120, so the cut comes before it.
run --input "exit 5 # $(printf '%0109d' 0)"$'\033[2J' "$FANOUT" -j1
assert_eq "summary: the cut at 120 characters never splits an escape" \
    "  job 1 (exit 5): exit 5 # $(printf '%0109d' 0)..." "$(grep '^  job 1 ' "$ERR_FILE")"

run "$FANOUT" true ::: a b c
assert_eq "summary: no failure, nothing on stderr" "" "$ERR"

# --junit into a directory that does not exist: the message names the path given.
run "$FANOUT" --junit "$T/no-such-dir/report.xml" true ::: a
assert_usage_error "--junit into a missing directory" "--junit: cannot write '$T/no-such-dir/report.xml': No such file or directory"
assert_not_contains "--junit: not our temporary file's name" "fanout-tmp" "$ERR"

assert_true "no process of this script's jobs is left" no_leftover

end_of_tests
